/* Guided session: one step at a time, set counter, rest countdown, set timer, tempo guide.
 * Progressive enhancement of a plain HTML form: without this file every step is shown and the
 * form still posts. All texts come from the template (translated there), none from here.
 * Step 1 holds the safety questions: a yes shows "Save and stop" instead of "Next", and the
 * session ends there. Every pain input warns on its step when the value is above the limit. */
(function () {
  "use strict";

  var form = document.getElementById("session-form");
  if (!form) return;

  var steps = Array.prototype.slice.call(form.querySelectorAll("[data-step]"));
  var progress = form.querySelector(".step-progress");
  var current = 0;

  function each(root, selector, fn) {
    Array.prototype.forEach.call(root.querySelectorAll(selector), fn);
  }

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (match, key) {
      return key in values ? values[key] : match;
    });
  }

  each(form, ".js-only", function (el) { el.hidden = false; });
  form.classList.add("is-guided");
  // Steps that are not shown cannot show the browser's own messages; the server checks all.
  form.noValidate = true;

  function show(index, moveFocus) {
    current = Math.max(0, Math.min(index, steps.length - 1));
    steps.forEach(function (step, i) { step.hidden = i !== current; });
    if (progress) {
      progress.textContent = format(progress.dataset.template, {
        current: current + 1, total: steps.length
      });
    }
    if (moveFocus) {
      var heading = steps[current].querySelector("h2");
      heading.setAttribute("tabindex", "-1");
      heading.focus();
      window.scrollTo(0, form.getBoundingClientRect().top + window.scrollY - 8);
    }
  }

  function stepIsValid(step) {
    var fields = step.querySelectorAll("input[required], select[required], textarea[required]");
    for (var i = 0; i < fields.length; i++) {
      if (!fields[i].checkValidity()) {
        fields[i].reportValidity();
        return false;
      }
    }
    return true;
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-action]");
    if (!button) return;
    var action = button.dataset.action;
    if (action === "next" && stepIsValid(steps[current])) show(current + 1, true);
    if (action === "back") show(current - 1, true);
  });

  /* --- Per exercise: sets, rest, timer, tempo ------------------------------------------- */

  function setupExercise(step) {
    var total = parseInt(step.dataset.sets, 10) || 0;
    var restSeconds = parseInt(step.dataset.rest, 10) || 0;
    var setsInput = step.querySelector("input[name$='-sets_done']");
    var durationInput = step.querySelector("input[name$='-duration_s']");
    var status = step.querySelector("[data-role='set-status']");
    var restBox = step.querySelector("[data-role='rest']");
    var restLeft = restBox && restBox.querySelector("[data-role='rest-left']");
    var restTimer = null;

    function done() { return parseInt(setsInput.value, 10) || 0; }

    function updateStatus() {
      if (status) status.textContent = format(status.dataset.template, { done: done(), total: total });
    }

    function stopRest(announce) {
      if (restTimer) window.clearInterval(restTimer);
      restTimer = null;
      if (restBox) restBox.hidden = true;
      if (announce && status) {
        status.textContent = form.dataset.msgRestOver;
        if (navigator.vibrate) navigator.vibrate(200);
      }
    }

    function startRest() {
      if (!restBox || !restSeconds || done() >= total) return;
      stopRest(false);
      var ends = Date.now() + restSeconds * 1000;
      restBox.hidden = false;
      restLeft.textContent = restSeconds;
      restTimer = window.setInterval(function () {
        var left = Math.max(0, Math.ceil((ends - Date.now()) / 1000));
        restLeft.textContent = left;
        if (left === 0) stopRest(true);
      }, 250);
    }

    function addSet() {
      setsInput.value = Math.min(done() + 1, parseInt(setsInput.max, 10) || 20);
      updateStatus();
      startRest();
    }

    if (!setsInput) return;
    setsInput.addEventListener("input", updateStatus);
    updateStatus();

    step.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-action]");
      if (!button) return;
      var action = button.dataset.action;
      if (action === "set-done") addSet();
      if (action === "skip-rest") stopRest(false);
      if (action === "timer") toggleTimer(button);
      if (action === "tempo") toggleTempo(button);
    });

    var timerBox = step.querySelector("[data-timer]");
    var timer = null;
    var started = 0;
    function toggleTimer(button) {
      var elapsedEl = timerBox.querySelector("[data-role='elapsed']");
      var timerStatus = timerBox.querySelector("[data-role='timer-status']");
      var target = parseInt(step.dataset.durationMin, 10) || 0;
      if (timer === null) {
        stopRest(false);
        started = Date.now();
        elapsedEl.textContent = "0";
        timerStatus.textContent = "";
        button.textContent = button.dataset.labelStop;
        timer = window.setInterval(function () {
          var seconds = Math.floor((Date.now() - started) / 1000);
          elapsedEl.textContent = seconds;
          if (target && seconds === target && !timerStatus.textContent) {
            timerStatus.textContent = timerStatus.dataset.templateTarget;
            if (navigator.vibrate) navigator.vibrate(200);
          }
        }, 250);
      } else {
        window.clearInterval(timer);
        timer = null;
        button.textContent = button.dataset.labelStart;
        if (durationInput) durationInput.value = Math.floor((Date.now() - started) / 1000);
        addSet();
      }
    }

    function toggleTempo(button) {
      var track = step.querySelector(".tempo-track");
      var running = track.classList.toggle("running");
      button.textContent = running ? button.dataset.labelStop : button.dataset.labelStart;
      button.setAttribute("aria-pressed", running ? "true" : "false");
    }
  }

  each(form, ".exercise-step", setupExercise);

  /* --- Skipping an exercise and the red-flag re-check ------------------------------------ */

  each(form, "input[name$='-skipped']", function (box) {
    var step = box.closest(".exercise-step");
    function sync() { step.classList.toggle("is-skipped", box.checked); }
    box.addEventListener("change", sync);
    sync();
  });

  /* A yes to a safety question ends the session at step 1: "Save and stop" replaces "Next". */
  var safetyStep = form.querySelector("[data-step-safety]");
  var stopBox = form.querySelector("[data-role='stop-box']");
  var stopButton = stopBox && stopBox.querySelector("button[data-action='stop']");
  var safetyNav = safetyStep && safetyStep.querySelector(".step-nav");

  function yesQuestions() {
    return Array.prototype.map.call(
      form.querySelectorAll("input[name^='red_flag_'][value='yes']:checked"),
      function (input) { return input.name; }
    );
  }

  function saidYes() { return yesQuestions().length > 0; }

  /* Only the advice for the warning signs reported (each item names its questions). */
  function adviceFor(root, questions) {
    each(root, "li[data-for]", function (item) {
      item.hidden = !item.dataset.for.split(" ").some(function (name) {
        return questions.indexOf(name) !== -1;
      });
    });
  }

  function safetyStepComplete() {
    var fields = safetyStep.querySelectorAll("input[required]");
    for (var i = 0; i < fields.length; i++) {
      if (!fields[i].validity.valid) return false;
    }
    return true;
  }

  function syncRedFlags(jump) {
    if (!stopBox) return;
    var yes = saidYes();
    stopBox.hidden = !yes;
    // Without a connection nobody is told yet: the box says so and gives the numbers to call.
    each(stopBox, "[data-when]", function (part) {
      part.hidden = (part.dataset.when === "offline") === navigator.onLine;
    });
    adviceFor(stopBox, yesQuestions());
    if (safetyNav) safetyNav.hidden = yes;
    if (yes && jump && safetyStepComplete()) {
      stopButton.scrollIntoView({ block: "center" });
      stopButton.focus();
    }
  }
  if (safetyStep) {
    safetyStep.addEventListener("change", function (event) {
      if (event.target.name && /^red_flag_|^pain_before$/.test(event.target.name)) {
        syncRedFlags(event.target.value === "yes" || event.target.name === "pain_before");
      }
    });
  }
  if (stopButton) {
    stopButton.addEventListener("click", function (event) {
      // Only step 1 counts for a stop; the browser points at an unanswered question.
      if (!stepIsValid(safetyStep)) event.preventDefault();
    });
  }
  syncRedFlags(false);
  window.addEventListener("online", function () { syncRedFlags(false); });
  window.addEventListener("offline", function () { syncRedFlags(false); });

  /* Live pain warning: above the patient's limit, and above the high-risk threshold. */
  var limit = parseInt(form.dataset.painLimit, 10);
  var high = parseInt(form.dataset.painHigh, 10);
  var texts = document.getElementById("pain-warning-texts");
  function warningText(level) {
    return texts.content.querySelector("[data-level='" + level + "']").cloneNode(true);
  }
  each(form, "[data-pain-field]", function (field) {
    var box = field.querySelector("[data-role='pain-warning']");
    function sync() {
      var checked = field.querySelector("input[type='radio']:checked");
      var value = checked ? parseInt(checked.value, 10) : NaN;
      box.textContent = "";
      box.classList.remove("is-above-limit", "is-too-high");
      if (!texts || isNaN(value)) return;
      if (value > limit) {
        box.appendChild(warningText("above-limit"));
        box.classList.add("is-above-limit");
      }
      /* Above the high-risk threshold even when the patient's own limit is higher. */
      if (value > high) {
        box.appendChild(warningText("too-high"));
        box.classList.add("is-too-high");
      }
    }
    field.addEventListener("change", sync);
    sync();
  });

  /* --- Without a connection: kept on this phone, sent later (static/js/outbox.js) --------- */

  var offlineBox = document.getElementById("offline-saved");

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    return Date.now().toString(16) + Math.random().toString(16).slice(2);
  }

  function allStepsValid() {
    for (var i = 0; i < steps.length; i++) {
      if (!steps[i].querySelector(":invalid")) continue;
      show(i, true);
      return stepIsValid(steps[i]);
    }
    return true;
  }

  function showOfflineSaved(questions) {
    form.hidden = true;
    var redFlag = offlineBox.querySelector("[data-role='offline-red-flag']");
    redFlag.hidden = !questions.length;
    adviceFor(redFlag, questions);
    offlineBox.hidden = false;
    offlineBox.querySelector("h2").focus();
    window.scrollTo(0, 0);
  }

  document.addEventListener("mtt:outbox", function (event) {
    if (!offlineBox || offlineBox.hidden || event.detail.waiting) return;
    var state = offlineBox.querySelector("[data-role='offline-state']");
    state.textContent = state.dataset.msgSent;
    state.classList.add("success");
    var notInformed = offlineBox.querySelector("[data-role='not-informed']");
    if (notInformed) notInformed.hidden = true;
  });

  form.addEventListener("submit", function (event) {
    if (navigator.onLine || !window.MttOutbox || !offlineBox) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    var stopping = event.submitter && event.submitter.name === "stop";
    if (stopping ? !stepIsValid(safetyStep) : !allStepsValid()) return;
    var key = newKey();
    var fields = [];
    new FormData(form, event.submitter).forEach(function (value, name) {
      fields.push([name, name === "idempotency_key" ? key : String(value)]);
    });
    // When it was done, not when it arrives: the day counts for adherence.
    if (!stopping) fields.push(["performed_at", new Date().toISOString()]);
    var questions = yesQuestions();
    window.MttOutbox.add({
      key: key,
      url: form.getAttribute("action") || location.pathname,
      fields: fields,
      savedAt: new Date().toISOString()
    }).then(function () {
      showOfflineSaved(questions);
      if (navigator.serviceWorker) {
        navigator.serviceWorker.ready.then(function (registration) {
          if (registration.sync) return registration.sync.register("mtt-outbox");
        }).catch(function () {});
      }
    });
  });

  form.addEventListener("submit", function () {
    each(form, "button[type='submit']", function (button) {
      window.setTimeout(function () { button.disabled = true; }, 0);
    });
  });

  /* Start where the server found a problem, else at the beginning. */
  var firstError = 0;
  for (var i = 0; i < steps.length; i++) {
    if (steps[i].querySelector(".errorlist, [aria-invalid='true']")) { firstError = i; break; }
  }
  show(firstError, firstError > 0);
  var summary = document.getElementById("form-errors");
  if (summary && firstError === 0) summary.focus();
})();

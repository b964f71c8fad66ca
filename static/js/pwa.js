/* The portal as an app (docs/product.md, "Installable app and offline use"): registers the
 * service worker, keeps today's plan, the guided session and their pictures for offline use,
 * sends sessions saved on this phone when the connection is back and says so, clears the
 * phone's health data at logout. Everything here is an extra: without it the pages work. */
(function () {
  "use strict";

  var script = document.currentScript;
  var outbox = window.MttOutbox;
  var status = document.getElementById("outbox-status");
  var isPatient = script && script.hasAttribute("data-patient");
  if (!("serviceWorker" in navigator) || !outbox) return;

  navigator.serviceWorker.register(script.dataset.serviceWorker, { scope: "/" });

  function token() {
    var input = document.querySelector("input[name='csrfmiddlewaretoken']");
    return input ? input.value : "";
  }

  function say(name, values) {
    if (!status) return;
    var text = status.dataset[name] || "";
    Object.keys(values || {}).forEach(function (key) { text = text.replace("{" + key + "}", values[key]); });
    status.textContent = text;
    status.hidden = !text;
    status.classList.toggle("success", name === "msgSent");
  }

  function show(report) {
    if (report.refused) say("msgRefused");
    else if (report.waiting) say("msgWaiting", { count: report.waiting });
    else if (report.sent.length) say("msgSent");
    document.dispatchEvent(new CustomEvent("mtt:outbox", { detail: report }));
  }

  function flush() {
    if (!navigator.onLine) {
      return outbox.all().then(function (entries) {
        if (entries.length) say("msgWaiting", { count: entries.length });
      });
    }
    return outbox.flush(token()).then(show);
  }
  window.MttApp = { flush: flush, say: say };

  navigator.serviceWorker.addEventListener("message", function (event) {
    if (event.data && event.data.type === "outbox") show(event.data.report);
  });
  window.addEventListener("online", flush);
  if (isPatient) flush();

  /* Today's plan and the guided session: kept with their pictures for the day, so the session
   * can be done in a gym or a basement without signal (the service worker keeps a page the
   * patient opened; this also keeps the session when only today's plan was opened). */
  function keepPictures(root) {
    var urls = Array.prototype.map.call(root.querySelectorAll("main img[src]"), function (img) {
      return new URL(img.getAttribute("src"), document.baseURI);
    }).filter(function (url) {
      // The catalogue's own drawings are static files, kept when the worker was installed.
      return url.origin === location.origin && url.pathname.indexOf(script.dataset.mediaUrl) === 0;
    });
    if (!urls.length) return Promise.resolve();
    return caches.open("mtt-media").then(function (cache) {
      return Promise.all(urls.map(function (url) {
        return cache.match(url).then(function (hit) { return hit || cache.add(url); });
      }));
    });
  }

  var startButton = document.getElementById("start-session");
  var keeping = Promise.resolve();  // logout waits for it: nothing is kept after the clearing
  if (isPatient && navigator.onLine && document.querySelector("[data-offline-page]")) {
    keeping = keepPictures(document).catch(function () {});
    if (startButton) {
      var url = startButton.getAttribute("href");
      keeping = Promise.all([keeping, fetch(url, { credentials: "same-origin" }).then(function (response) {
        if (!response.ok || response.redirected) return;
        var kept = outbox.keepPage(new URL(url, document.baseURI).pathname, response.clone());
        return Promise.all([kept, response.text().then(function (html) {
          return keepPictures(new DOMParser().parseFromString(html, "text/html"));
        })]);
      }).catch(function () {})]);
    }
  }

  /* The install hint on the profile page: the browser's own install prompt behind a button
   * where it offers one, nothing to do once the app runs installed. */
  var hint = document.getElementById("install");
  if (hint) {
    var part = function (role) { return hint.querySelector("[data-role='" + role + "']"); };
    if (window.matchMedia("(display-mode: standalone)").matches || navigator.standalone) {
      part("installed").hidden = false;
      part("install-steps").hidden = true;
    }
    window.addEventListener("beforeinstallprompt", function (event) {
      event.preventDefault();
      var prompt = event;
      part("install-ready").hidden = false;
      part("install-ready").querySelector("button").addEventListener("click", function () {
        prompt.prompt();
        prompt.userChoice.then(function () { part("install-ready").hidden = true; });
      }, { once: true });
    });
  }

  /* Logout: unsent sessions go out first, then the kept pages, pictures and outbox are deleted
   * (the server's Clear-Site-Data header does the same for a page without this script). */
  Array.prototype.forEach.call(document.querySelectorAll("form[data-logout]"), function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!navigator.onLine) {
        say("msgLogoutOffline");
        return;
      }
      keeping.then(function () { return outbox.flush(token()); }).catch(function () {})
        .then(outbox.clear).catch(function () {})
        .then(function () { form.submit(); });
    });
  });
})();

/* Habits tick without a reload (docs/product.md, "Web pages"): the habit's form is posted with
 * fetch and its row replaced by the row of the page the server answers with; the page stays
 * where it is. Without this file, or when the answer is not a page, the form posts as usual. */
(function () {
  "use strict";

  var status = document.getElementById("habit-status");

  function post(form, body) {
    // getAttribute: the buttons named "action" hide the form's own ``action`` property.
    return fetch(form.getAttribute("action"), {
      method: "POST", body: body, credentials: "same-origin"
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target.closest(".habit-actions");
    if (!form || !window.fetch || !window.DOMParser) return;
    event.preventDefault();
    var submitter = event.submitter;
    var row = form.closest(".habit");
    var action = submitter ? submitter.value : "tick";
    // Read before the buttons are disabled: a disabled button sends nothing.
    var body = new URLSearchParams(new FormData(form, submitter));
    Array.prototype.forEach.call(form.querySelectorAll("button"), function (button) {
      button.disabled = true;
    });
    post(form, body).then(function (response) {
      if (!response.ok) throw new Error("not saved");
      return response.text();
    }).then(function (html) {
      var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(row.id);
      if (!fresh) throw new Error("row missing");
      row.className = fresh.className;
      row.innerHTML = fresh.innerHTML;
      var again = row.querySelector("button[value='" + action + "']:not([disabled])") ||
        row.querySelector("button:not([disabled])");
      if (again) again.focus();
      if (status) {
        status.className = "visually-hidden";
        status.textContent = row.querySelector("strong").textContent + ": " +
          row.querySelector(".habit-count").textContent;
      }
    }).catch(function () {
      if (!navigator.onLine && status) {
        status.className = "notice";  // seen, not only heard
        status.textContent = status.dataset.msgOffline;
        Array.prototype.forEach.call(form.querySelectorAll("button"), function (button) {
          button.disabled = false;
        });
        return;
      }
      // The server's own page says what went wrong.
      if (submitter) {
        var field = document.createElement("input");
        field.type = "hidden";
        field.name = submitter.name;
        field.value = submitter.value;
        form.appendChild(field);
      }
      form.submit();
    });
  });
})();

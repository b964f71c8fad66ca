/* Forms marked data-send-once: a second tap while the first post is on its way sends nothing
 * (a report sent twice would alert the therapist twice). Without this file the form works. */
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("form[data-send-once]"), function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) {
        event.preventDefault();
        return;
      }
      form.dataset.sent = "1";
    });
  });
})();

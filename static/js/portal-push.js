/* Push reminders on the profile page (README "Push reminders (Web Push)"): asks for permission
 * to show notifications, subscribes this browser at its push service with the server's public
 * key, and registers the subscription through the API (me/push-subscriptions/, the login
 * session and its CSRF token); lists the registered devices with a remove button. The section
 * stays hidden where the browser cannot receive push (no service worker or PushManager). */
(function () {
  "use strict";

  var section = document.getElementById("push");
  if (!section) return;
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) return;
  section.hidden = false;

  var api = section.dataset.api;
  var list = section.querySelector("[data-role='push-devices']");
  var none = section.querySelector("[data-role='push-none']");
  var status = section.querySelector("[data-role='push-status']");
  var template = section.querySelector("[data-role='push-device-template']");

  function csrfToken() {
    var input = document.querySelector("input[name='csrfmiddlewaretoken']");
    return input ? input.value : "";
  }

  function say(name, success) {
    status.textContent = section.dataset[name] || "";
    status.hidden = !status.textContent;
    status.classList.toggle("success", Boolean(success));
  }

  function keyBytes(base64url) {
    var base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    base64 += "===".slice((base64.length + 3) % 4);
    var raw = atob(base64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function call(method, url, body) {
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      if (!response.ok) throw new Error("push registration answered " + response.status);
      return response.status === 204 ? null : response.json();
    });
  }

  function thisEndpoint() {
    return navigator.serviceWorker.getRegistration("/").then(function (registration) {
      return registration ? registration.pushManager.getSubscription() : null;
    }).then(function (subscription) {
      return subscription ? subscription.endpoint : "";
    }, function () { return ""; });
  }

  function mark(endpoint) {
    Array.prototype.forEach.call(list.children, function (row) {
      var name = row.querySelector("[data-role='push-device-name']");
      var mine = endpoint && row.dataset.endpoint === endpoint;
      if (mine && !row.hasAttribute("data-mine")) {
        row.setAttribute("data-mine", "");
        name.textContent += " (" + section.dataset.labelThisDevice + ")";
      }
    });
  }

  function show(device) {
    var row = list.querySelector("li[data-id='" + device.id + "']");
    if (!row) {
      row = template.content.firstElementChild.cloneNode(true);
      row.dataset.id = device.id;
      list.insertBefore(row, list.firstChild);
    }
    row.dataset.endpoint = device.endpoint;
    row.querySelector("[data-role='push-device-name']").textContent = device.push_service;
    none.hidden = true;
  }

  /* Registers a subscription (PushSubscription.toJSON()) for the signed-in patient. */
  function register(subscription) {
    return call("POST", api, subscription).then(function (device) {
      show(device);
      mark(device.endpoint);
      return device;
    });
  }

  function enable() {
    return Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") {
        say("msgDenied");
        return null;
      }
      return navigator.serviceWorker.ready.then(function (registration) {
        return registration.pushManager.getSubscription().then(function (existing) {
          return existing || registration.pushManager.subscribe({
            userVisibleOnly: true,
            applicationServerKey: keyBytes(section.dataset.publicKey)
          });
        });
      }).then(function (subscription) {
        return register(subscription.toJSON());
      }).then(function (device) {
        say("msgEnabled", true);
        return device;
      });
    }).catch(function () { say("msgFailed"); });
  }

  function remove(row) {
    return call("DELETE", api + row.dataset.id + "/").then(function () {
      var mine = row.hasAttribute("data-mine");
      row.remove();
      none.hidden = list.children.length > 0;
      say("msgRemoved", true);
      if (!mine) return;
      return navigator.serviceWorker.getRegistration("/").then(function (registration) {
        return registration && registration.pushManager.getSubscription();
      }).then(function (subscription) { return subscription && subscription.unsubscribe(); });
    }).catch(function () { say("msgFailed"); });
  }

  section.querySelector("[data-action='push-enable']").addEventListener("click", enable);
  list.addEventListener("click", function (event) {
    var button = event.target.closest("[data-action='push-remove']");
    if (button) remove(button.closest("li"));
  });
  thisEndpoint().then(mark);
  window.MttPush = { register: register, remove: remove };
})();

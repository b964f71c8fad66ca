{% autoescape off %}/* MTT Rücken service worker (mtt/pwa.py; docs/product.md, "Installable app and offline use").
 * - Static files (content-hashed names): kept at install, answered from the cache.
 * - Pages: from the network first. Today's plan and the guided session are kept on the phone
 *   for the day they were loaded; without a connection they come from there, every other page
 *   shows the offline page.
 * - Exercise pictures (/media/): kept as they are loaded, answered from the cache.
 * - Sessions saved offline wait in the outbox (static/js/outbox.js) and go out on Background
 *   Sync; the pages also send them when they load or come back online.
 * - Push reminders (reminders/push.py): shown as a notification ("Time for your training" and
 *   a link, never health data); a tap opens the linked page, or focuses it when it is open. */
"use strict";
importScripts({{ outbox_script }});

var SETTINGS = {{ settings }};
var STATIC_CACHE = "mtt-static-" + SETTINGS.version;

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(STATIC_CACHE)
      .then(function (cache) {
        // The offline page as anybody sees it: kept for everyone, so without cookies.
        var files = SETTINGS.precache.filter(function (url) { return url !== SETTINGS.offlineUrl; });
        return Promise.all([
          cache.addAll(files),
          cache.add(new Request(SETTINGS.offlineUrl, { credentials: "omit" }))
        ]);
      })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("mtt-static-") === 0 && name !== STATIC_CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function isOfflinePage(url) {
  return SETTINGS.offlinePages.indexOf(url.pathname) !== -1;
}

function fromCacheFirst(request, cacheName) {
  return caches.match(request).then(function (hit) {
    if (hit) return hit;
    return fetch(request).then(function (response) {
      if (response.ok && cacheName) {
        var copy = response.clone();
        caches.open(cacheName).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    });
  });
}

function page(event) {
  var request = event.request;
  var url = new URL(request.url);
  return fetch(request).then(function (response) {
    // Only the patient's own page as it is, not a redirect to the login page.
    if (isOfflinePage(url) && response.ok && !response.redirected && !url.search) {
      event.waitUntil(MttOutbox.keepPage(url.pathname, response.clone()));
    }
    return response;
  }, function () {
    var kept = isOfflinePage(url) ? MttOutbox.keptPage(url.pathname) : Promise.resolve();
    return kept.then(function (response) {
      return response || caches.match(SETTINGS.offlineUrl);
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(page(event));
  } else if (url.pathname.indexOf(SETTINGS.staticUrl) === 0) {
    event.respondWith(fromCacheFirst(request, null));
  } else if (url.pathname.indexOf(SETTINGS.mediaUrl) === 0) {
    event.respondWith(fromCacheFirst(request, "mtt-media"));
  }
});

function tell(report) {
  return self.clients.matchAll({ includeUncontrolled: true }).then(function (clients) {
    clients.forEach(function (client) { client.postMessage({ type: "outbox", report: report }); });
  });
}

self.addEventListener("sync", function (event) {
  if (event.tag !== "mtt-outbox") return;
  event.waitUntil(MttOutbox.flush().then(function (report) {
    return tell(report).then(function () {
      // Still waiting: let the browser try again later.
      if (report.waiting) throw new Error("sessions still waiting");
    });
  }));
});

self.addEventListener("message", function (event) {
  if (event.data === "flush") event.waitUntil(MttOutbox.flush().then(tell));
});
self.addEventListener("push", function (event) {
  var message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch (error) {
    message = {};
  }
  var url = new URL(message.url || SETTINGS.pushDefaultUrl, self.location.origin);
  // Only the site's own pages: a push is no way to send the patient elsewhere.
  if (url.origin !== self.location.origin) url = new URL(SETTINGS.pushDefaultUrl, self.location.origin);
  event.waitUntil(self.registration.showNotification(message.title || SETTINGS.pushDefaultTitle, {
    body: message.body || "",
    tag: message.tag || "mtt-reminder",
    lang: message.lang || "",
    icon: SETTINGS.pushIcon,
    badge: SETTINGS.pushIcon,
    data: { url: url.href }
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = (event.notification.data && event.notification.data.url) ||
    new URL(SETTINGS.pushDefaultUrl, self.location.origin).href;
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (clients) {
    for (var i = 0; i < clients.length; i += 1) {
      if (clients[i].url === url && "focus" in clients[i]) return clients[i].focus();
    }
    return self.clients.openWindow(url);
  }));
});
{% endautoescape %}

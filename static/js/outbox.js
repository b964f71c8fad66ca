/* The device's outbox for sessions saved without a connection (docs/product.md, "Installable
 * app and offline use"), shared by the pages and the service worker (importScripts).
 * An entry is the session form as it would have been posted, with its own Idempotency-Key
 * (the form's idempotency_key field): sending it twice stores it once on the server.
 * Also the two caches of health data (the kept pages and exercise pictures), which logout
 * deletes together with the outbox. */
(function (scope) {
  "use strict";

  var DB_NAME = "mtt";
  var STORE = "outbox";
  var HEALTH_CACHES = ["mtt-pages", "mtt-media"];
  // A saved session comes back as a redirect to its feedback page.
  var SAVED = /\/session\/\d+\/$/;

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: "key" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function run(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(STORE, mode);
        var result = work(transaction.objectStore(STORE));
        transaction.oncomplete = function () {
          db.close();
          resolve(result && "result" in result ? result.result : undefined);
        };
        transaction.onerror = function () { db.close(); reject(transaction.error); };
      });
    });
  }

  function add(entry) { return run("readwrite", function (store) { store.put(entry); }); }
  function all() { return run("readonly", function (store) { return store.getAll(); }); }
  function remove(key) { return run("readwrite", function (store) { store.delete(key); }); }

  function exclusive(work) {
    // One sender at a time across the pages and the service worker.
    if (scope.navigator && scope.navigator.locks) {
      return scope.navigator.locks.request("mtt-outbox", work);
    }
    return work();
  }

  function send(entry, token) {
    var body = new URLSearchParams();
    entry.fields.forEach(function (pair) {
      body.append(pair[0], pair[0] === "csrfmiddlewaretoken" && token ? token : pair[1]);
    });
    return fetch(entry.url, {
      method: "POST", body: body, credentials: "same-origin", redirect: "follow"
    }).then(function (response) {
      if (response.ok && response.redirected && SAVED.test(new URL(response.url).pathname)) {
        return { key: entry.key, state: "sent", url: response.url };
      }
      // 400: the server refused the values (they cannot become valid by waiting).
      if (response.status === 400) return { key: entry.key, state: "refused" };
      return { key: entry.key, state: "waiting" };  // logged out, CSRF, server trouble
    });
  }

  /* Send what waits; resolves to {sent: [...], refused: n, waiting: n}. ``token``: the page's
   * current CSRF token (the stored one may be older than the last login). */
  function flush(token) {
    return exclusive(function () {
      return all().then(function (entries) {
        var report = { sent: [], refused: 0, waiting: 0 };
        return entries.reduce(function (previous, entry) {
          return previous.then(function () {
            if (report.offline) { report.waiting += 1; return; }
            return send(entry, token).then(function (result) {
              if (result.state === "waiting") { report.waiting += 1; return; }
              if (result.state === "sent") report.sent.push(result.url);
              else report.refused += 1;
              return remove(entry.key);
            }, function () {
              report.offline = true;  // no connection after all: the rest waits too
              report.waiting += 1;
            });
          });
        }, Promise.resolve()).then(function () { return report; });
      });
    });
  }

  function clear() {
    var jobs = HEALTH_CACHES.map(function (name) { return caches.delete(name); });
    jobs.push(run("readwrite", function (store) { store.clear(); }));
    return Promise.all(jobs);
  }

  /* A page kept for offline use, marked with the day it was kept (local date, YYYY-MM-DD):
   * the plan of another day is never shown as today's. */
  function today() {
    var now = new Date();
    return [now.getFullYear(), now.getMonth() + 1, now.getDate()].map(function (part) {
      return String(part).padStart(2, "0");
    }).join("-");
  }

  function keepPage(url, response) {
    return response.blob().then(function (body) {
      var headers = new Headers(response.headers);
      headers.set("X-Kept-On", today());
      return caches.open("mtt-pages").then(function (cache) {
        return cache.put(url, new Response(body, { status: 200, headers: headers }));
      });
    });
  }

  function keptPage(url) {
    return caches.open("mtt-pages").then(function (cache) {
      return cache.match(url, { ignoreSearch: true });
    }).then(function (response) {
      return response && response.headers.get("X-Kept-On") === today() ? response : undefined;
    });
  }

  scope.MttOutbox = {
    add: add, all: all, flush: flush, clear: clear, keepPage: keepPage, keptPage: keptPage,
    HEALTH_CACHES: HEALTH_CACHES
  };
})(self);

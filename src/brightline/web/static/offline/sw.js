// The offline screener app's service worker: keeps the app's page, rule file and assets so the
// app opens with no connection. It never stores personal data (records live, encrypted, in
// IndexedDB) and never answers for any other page or for the sync endpoints.
const CACHE = "brightline-offline-6";
const SHELL = "/screener/app/";
const KEPT = [
  SHELL,
  "/screener/app/rules.json",
  "/screener/app/manifest.webmanifest",
  "/static/brightline.css",
  "/static/offline/app.css",
  "/static/offline/app.js",
  "/static/offline/vault.js",
  "/static/offline/acuity.js",
  "/static/offline/triage.js",
  "/static/offline/entry.js",
  "/static/offline/lines.js",
  "/static/offline/words.js",
  "/static/offline/icon.svg",
];
const SHELL_WAIT_MS = 3000;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(KEPT)).then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

// Only a page or asset that is itself fine to keep: 200, not a redirect to the sign-in form.
async function keep(request, response) {
  if (response.ok && !response.redirected && response.type === "basic") {
    const cache = await caches.open(CACHE);
    await cache.put(request, response.clone());
  }
  return response;
}

// The page: the network's (fresh words, fresh rules) when it answers soon, else the kept one.
async function shell(request) {
  const kept = await caches.match(SHELL);
  const fromNetwork = fetch(request).then((response) => keep(SHELL, response));
  if (!kept) return fromNetwork;
  const timeout = new Promise((resolve) => setTimeout(() => resolve(kept), SHELL_WAIT_MS));
  try {
    const answer = await Promise.race([fromNetwork, timeout]);
    // An ended session redirects to sign-in: open the kept app, which keeps the queue and asks.
    return answer.ok && answer.type !== "opaqueredirect" ? answer : kept;
  } catch {
    return kept;
  }
}

// Assets and the rule file: the kept copy at once, refreshed in the background.
async function asset(request) {
  const kept = await caches.match(request);
  const fresh = fetch(request).then((response) => keep(request, response));
  if (kept) {
    fresh.catch(() => undefined);
    return kept;
  }
  return fresh;
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname === SHELL || url.pathname === "/screener/app") {
    event.respondWith(shell(event.request));
  } else if (KEPT.includes(url.pathname)) {
    event.respondWith(asset(new Request(url.pathname)));
  }
});

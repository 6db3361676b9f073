/* The service worker (served by config.pwa.service_worker from /sw.js, scope "/").

- The app shell (styles, fonts, scripts, icons, the offline pages) is stored at install in a cache
  named after the static files' manifest: a deployment that changes a file gets new caches and the
  old ones are deleted when the new worker activates.
- Static files: from the shell cache first (their names carry their hash).
- The pages of the last opened files (config.pwa.KEPT_PAGES): from the network, a copy kept (at most
  PAGES_KEPT, the oldest dropped); offline, the copy. Other pages: from the network; offline, the
  translated offline page.
- Never stored: anything but a GET, a response marked no-store, a redirect or a refusal, the API,
  tiles, OGC, media (scans and photos), the admin. A logout or login (a POST seen going past)
  empties the kept pages, so the next person on the device reads none of them.
*/
const CONFIG = {{ config|safe }};
const SHELL_CACHE = `shell-${CONFIG.version}`;
const PAGES_CACHE = `pages-${CONFIG.version}`;
const KEPT = CONFIG.kept.map((source) => new RegExp(source));
const SESSION_CHANGES = CONFIG.sessionChanges.map((source) => new RegExp(source));

self.addEventListener("install", (event) => {
  const offline = Object.values(CONFIG.offline);
  event.waitUntil(
    caches
      .open(SHELL_CACHE)
      .then((cache) => cache.addAll([...CONFIG.shell, ...offline]))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names.filter((name) => name !== SHELL_CACHE && name !== PAGES_CACHE).map((name) => caches.delete(name)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

// The page's path without its language prefix ("/en/files/X/" -> "/files/X/"), and that language.
function unprefixed(pathname) {
  for (const [language, prefix] of Object.entries(CONFIG.prefixes)) {
    if (prefix && (pathname === prefix || pathname.startsWith(prefix + "/"))) {
      return { path: pathname.slice(prefix.length) || "/", language };
    }
  }
  const language = Object.entries(CONFIG.prefixes).find(([, prefix]) => prefix === "")[0];
  return { path: pathname, language };
}

function storable(response) {
  if (!response || !response.ok || response.redirected || response.type !== "basic") return false;
  const control = (response.headers.get("Cache-Control") || "").toLowerCase();
  return !control.includes("no-store");
}

async function keepPage(request, response) {
  const cache = await caches.open(PAGES_CACHE);
  await cache.delete(request, { ignoreVary: true });
  await cache.put(request, response);
  const keys = await cache.keys(); // in the order they were put: the oldest first
  for (const old of keys.slice(0, Math.max(0, keys.length - CONFIG.pagesKept))) await cache.delete(old);
}

async function offlinePage(language) {
  const cache = await caches.open(SHELL_CACHE);
  return (await cache.match(CONFIG.offline[language])) || Response.error();
}

async function page(event, kept, language) {
  try {
    const response = await fetch(event.request);
    if (kept && storable(response)) event.waitUntil(keepPage(event.request, response.clone()));
    return response;
  } catch (error) {
    if (kept) {
      const copy = await caches.match(event.request, { cacheName: PAGES_CACHE, ignoreVary: true });
      if (copy) return copy;
    }
    return offlinePage(language);
  }
}

async function staticFile(request) {
  const cached = await caches.match(request, { cacheName: SHELL_CACHE });
  if (cached) return cached;
  const response = await fetch(request);
  if (storable(response)) {
    const copy = response.clone();
    caches.open(SHELL_CACHE).then((cache) => cache.put(request, copy));
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (url.origin !== self.location.origin) return;
  const { path, language } = unprefixed(url.pathname);
  if (event.request.method !== "GET") {
    // never answered from a cache; a change of who is signed in empties the kept pages
    if (SESSION_CHANGES.some((pattern) => pattern.test(path))) event.waitUntil(caches.delete(PAGES_CACHE));
    return;
  }
  if (CONFIG.passThrough.some((prefix) => url.pathname.startsWith(prefix) || path.startsWith(prefix))) return;
  if (url.pathname.startsWith(CONFIG.static)) {
    event.respondWith(staticFile(event.request));
  } else if (event.request.mode === "navigate") {
    event.respondWith(page(event, KEPT.some((pattern) => pattern.test(path)), language));
  }
});

// A page (pwa.js) may ask for the kept pages to be forgotten.
self.addEventListener("message", (event) => {
  if (event.data === "forget-pages") event.waitUntil(caches.delete(PAGES_CACHE));
});

// OpenChat's service worker (scripts/sw.mjs writes dist/sw.js from this
// file, filling in the build's hashed files). It makes the client open
// without a network and never shows a stale client:
// - navigations go to the network first; the cached index.html is only
//   the offline fallback, so a deploy is seen on the next load;
// - /assets/ files are named by their content hash: cache first, forever;
// - the API and the WebSocket are never touched.
// A new build is a new sw.js; the page offers to reload into it.

const VERSION = "72e2024c127222b5";
// Root-relative, or absolute when the server serves the assets from a CDN (it rewrites this list).
const SHELL = ["/","/config.json","/assets/index-ifJ2EJGh.js","/assets/index-pft3ig4Z.css","/favicon.svg","/icon-192.png","/icon-512.png","/manifest.webmanifest"];
const CACHE = 'openchat-shell-' + VERSION;
const SHELL_URLS = new Set(SHELL.map((u) => new URL(u, self.location.href).href));

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL.map((u) => new Request(u, { cache: 'reload' })))));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('openchat-shell-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

// The page asks the waiting worker to take over when the person accepts the update.
self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'skip-waiting') self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET') return;
  const own = url.origin === self.location.origin;
  if (own && req.mode === 'navigate') {
    event.respondWith(fetch(req).catch(() => caches.match('/', { cacheName: CACHE })));
    return;
  }
  const href = url.origin + url.pathname;
  if (!SHELL_URLS.has(href) || (own && url.pathname.startsWith('/api/'))) return;
  if (url.pathname.includes('/assets/')) {
    event.respondWith(caches.match(href, { cacheName: CACHE }).then((hit) => hit || fetch(req)));
    return;
  }
  event.respondWith(fetch(req).catch(() => caches.match(href, { cacheName: CACHE })));
});

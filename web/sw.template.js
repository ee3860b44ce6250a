// OpenChat's service worker (scripts/sw.mjs writes dist/sw.js from this
// file, filling in the build's hashed files). It makes the client open
// without a network and never shows a stale client:
// - navigations go to the network first; the cached index.html is only
//   the offline fallback, so a deploy is seen on the next load;
// - /assets/ files are named by their content hash: cache first, forever;
// - the API and the WebSocket are never touched.
// A new build is a new sw.js; the page offers to reload into it.

const VERSION = '__VERSION__';
const SHELL = __SHELL__;
const CACHE = 'openchat-shell-' + VERSION;

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
  if (req.method !== 'GET' || url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return;
  if (req.mode === 'navigate') {
    event.respondWith(fetch(req).catch(() => caches.match('/', { cacheName: CACHE })));
    return;
  }
  if (url.pathname.startsWith('/assets/')) {
    event.respondWith(caches.match(req, { cacheName: CACHE }).then((hit) => hit || fetch(req)));
    return;
  }
  if (SHELL.includes(url.pathname)) {
    event.respondWith(fetch(req).catch(() => caches.match(url.pathname, { cacheName: CACHE })));
  }
});

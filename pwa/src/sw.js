// Alongside service worker (written by hand; the build fills in VERSION and PRECACHE).
// The app shell (the page, the entry script, styles, icons, and every code-split chunk, such as the QR
// decoder that is only imported when a code is read) is precached in a cache named after the build; a
// new build installs beside the old one and waits until the page asks it to take over ("A new version
// is ready — Reload").
// Plan data never passes through here: /api and /sync always go to the network.

const VERSION = '__VERSION__';
const CACHE = `alongside-shell-${VERSION}`;
const PRECACHE = __PRECACHE__;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(PRECACHE)));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith('alongside-shell-') && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('message', (event) => {
  if (event.data?.type === 'skip-waiting') self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== location.origin || url.pathname.startsWith('/api/') || url.pathname.startsWith('/sync/')) return;
  if (request.mode === 'navigate' && (url.pathname === '/' || url.pathname === '/join')) {
    // The shell for every page of the app, from the cache: it works with no signal.
    event.respondWith(caches.open(CACHE).then((cache) => cache.match('/')).then((hit) => hit || fetch(request)));
    return;
  }
  event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
});

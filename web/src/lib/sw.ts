// Registers the service worker (built as /sw.js) and tells when a new
// version is waiting; applying it reloads the page into the new client.
// Nothing is applied without the person's say: a reload mid-sentence
// would lose the message being written.

type Listener = () => void;
let apply: (() => void) | null = null;
const listeners = new Set<Listener>();

/** updateWaiting: a new version can be applied (the prompt shows). */
export function updateWaiting(): (() => void) | null {
  return apply;
}

export function onUpdate(f: Listener): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}

function offer(w: ServiceWorker) {
  apply = () => {
    applying = true;
    w.postMessage({ type: 'skip-waiting' });
  };
  for (const f of listeners) f();
}

let applying = false;

export async function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return;
  const sw = navigator.serviceWorker;
  let reg: ServiceWorkerRegistration;
  try {
    reg = await sw.register('/sw.js', { scope: '/' });
  } catch {
    return; // e.g. a plain-http origin other than localhost: the client works without it
  }
  if (reg.waiting && sw.controller) offer(reg.waiting);
  reg.addEventListener('updatefound', () => {
    const w = reg.installing;
    w?.addEventListener('statechange', () => {
      if (w.state === 'installed' && sw.controller) offer(w);
    });
  });
  // Only a worker the person asked for reloads the page (not the first install).
  sw.addEventListener('controllerchange', () => {
    if (applying) location.reload();
  });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') reg.update().catch(() => {});
  });
}

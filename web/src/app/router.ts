import { useSyncExternalStore } from 'react';

// A few routes, parsed from location: /rooms/<id>#seq-<n> (the mention
// e-mails link there), /rooms/<id>/members, /browse, /messages/new,
// /mentions, /settings, /.

export type Route =
  | { view: 'home' }
  | { view: 'room'; roomId: string; seq?: number }
  | { view: 'members'; roomId: string }
  | { view: 'browse' }
  | { view: 'new-dm' }
  | { view: 'mentions' }
  | { view: 'settings' }
  | { view: 'admin' }
  | { view: 'reset-password'; token: string };

export function parseRoute(pathname: string, hash: string): Route {
  const m = /^\/rooms\/([^/]+)\/?$/.exec(pathname);
  if (m) {
    const s = /^#seq-(\d+)$/.exec(hash);
    return { view: 'room', roomId: decodeURIComponent(m[1]), ...(s ? { seq: Number(s[1]) } : {}) };
  }
  const mm = /^\/rooms\/([^/]+)\/members\/?$/.exec(pathname);
  if (mm) return { view: 'members', roomId: decodeURIComponent(mm[1]) };
  if (pathname === '/browse') return { view: 'browse' };
  if (pathname === '/messages/new') return { view: 'new-dm' };
  if (pathname === '/mentions') return { view: 'mentions' };
  if (pathname === '/settings') return { view: 'settings' };
  if (pathname === '/admin') return { view: 'admin' };
  if (pathname === '/reset-password') return { view: 'reset-password', token: new URLSearchParams(location.search).get('token') ?? '' };
  return { view: 'home' };
}

export function roomPath(id: string, seq?: number): string {
  return '/rooms/' + encodeURIComponent(id) + (seq ? '#seq-' + seq : '');
}

export function membersPath(id: string): string {
  return '/rooms/' + encodeURIComponent(id) + '/members';
}

const listeners = new Set<() => void>();
let snapshot = '';

function current() {
  const v = location.pathname + location.hash;
  if (v !== snapshot) snapshot = v;
  return snapshot;
}

function subscribe(f: () => void) {
  listeners.add(f);
  const h = () => f();
  window.addEventListener('popstate', h);
  window.addEventListener('hashchange', h);
  return () => {
    listeners.delete(f);
    window.removeEventListener('popstate', h);
    window.removeEventListener('hashchange', h);
  };
}

export function navigate(path: string, replace = false) {
  if (path === location.pathname + location.hash) return;
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  for (const f of listeners) f();
}

export function useRoute(): Route {
  const v = useSyncExternalStore(subscribe, current);
  const i = v.indexOf('#');
  return parseRoute(i < 0 ? v : v.slice(0, i), i < 0 ? '' : v.slice(i));
}

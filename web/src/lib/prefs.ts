// Preferences of this browser, kept in localStorage: language, theme,
// desktop notifications and muted rooms. Nothing here goes to the server.

import { LOCALE_KEY, pickLocale, setLocale, type Locale } from './strings';

export type Theme = 'system' | 'light' | 'dark';
export const THEME_KEY = 'openchat:theme';
export const NOTIFY_KEY = 'openchat:notify';
export const MUTED_KEY = 'openchat:muted';

export interface Store {
  getItem(k: string): string | null;
  setItem(k: string, v: string): void;
  removeItem(k: string): void;
}

export function storedTheme(s: Store): Theme {
  const v = s.getItem(THEME_KEY);
  return v === 'light' || v === 'dark' ? v : 'system';
}

/** applyTheme sets data-theme on <html>; CSS follows the system when it is absent. */
export function applyTheme(theme: Theme, root: { dataset: DOMStringMap } = document.documentElement) {
  if (theme === 'system') delete root.dataset.theme;
  else root.dataset.theme = theme;
}

export function saveTheme(s: Store, theme: Theme) {
  if (theme === 'system') s.removeItem(THEME_KEY);
  else s.setItem(THEME_KEY, theme);
  applyTheme(theme);
}

/** The stored language choice, or null to follow the browser. */
export function storedLocale(s: Store): Locale | null {
  const v = s.getItem(LOCALE_KEY);
  return v === 'en' || v === 'es' ? v : null;
}

export function saveLocale(s: Store, l: Locale | null, languages: readonly string[]) {
  if (l) s.setItem(LOCALE_KEY, l);
  else s.removeItem(LOCALE_KEY);
  setLocale(pickLocale(l, languages));
}

export function mutedRooms(s: Store): Set<string> {
  try {
    const v = JSON.parse(s.getItem(MUTED_KEY) ?? '[]');
    return new Set(Array.isArray(v) ? v.filter((x) => typeof x === 'string') : []);
  } catch {
    return new Set();
  }
}

export function setMuted(s: Store, roomId: string, muted: boolean): Set<string> {
  const m = mutedRooms(s);
  if (muted) m.add(roomId);
  else m.delete(roomId);
  s.setItem(MUTED_KEY, JSON.stringify([...m]));
  return m;
}

/** Desktop notifications wanted (the browser's permission is asked separately). */
export function notifyWanted(s: Store): boolean {
  return s.getItem(NOTIFY_KEY) === 'on';
}

export function setNotifyWanted(s: Store, on: boolean) {
  if (on) s.setItem(NOTIFY_KEY, 'on');
  else s.removeItem(NOTIFY_KEY);
}

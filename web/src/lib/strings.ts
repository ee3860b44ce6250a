// The interface text in the person's language: one catalog per language
// (i18n/en.ts, i18n/es.ts), chosen from the browser's languages unless
// the person picked one in settings (kept in localStorage). `t` is a live
// binding: after setLocale, whatever renders next reads the new catalog.

import { en, type Catalog } from './i18n/en';
import { es } from './i18n/es';
import type { Problem } from './validate';

export const LOCALES = { en, es } as const;
export type Locale = keyof typeof LOCALES;
/** The languages offered, each named in itself. */
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', es: 'Español' };
export const LOCALE_KEY = 'openchat:locale';

export let t: Catalog = en;
export let locale: Locale = 'en';
const listeners = new Set<() => void>();

/** pickLocale: the stored choice, else the first browser language we have, else English. */
export function pickLocale(stored: string | null, languages: readonly string[]): Locale {
  if (stored && stored in LOCALES) return stored as Locale;
  for (const l of languages) {
    const base = l.toLowerCase().split('-')[0];
    if (base in LOCALES) return base as Locale;
  }
  return 'en';
}

export function setLocale(l: Locale) {
  if (l === locale) return;
  locale = l;
  t = LOCALES[l];
  if (typeof document !== 'undefined') document.documentElement.lang = l;
  for (const f of listeners) f();
}

export function onLocale(f: () => void): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}

/** problemText words a refused field in the current language. */
export function problemText(field: string, p: Problem): string {
  switch (p.rule) {
    case 'required':
      return t.required(field);
    case 'length':
      return t.lengthBetween(field, p.min, p.max);
    case 'max':
      return t.tooLong(field, p.max);
    case 'usernameChars':
      return t.usernameChars(field);
    case 'email':
      return t.emailForm(field);
    case 'passwordShort':
      return t.passwordShort(field, p.min);
    case 'passwordSpaces':
      return t.passwordSpaces(field);
    case 'passwordPersonal':
      return t.passwordPersonal(field);
  }
}

/** formatDateTime: a full local date and time in the current language. */
export function formatDateTime(d: Date): string {
  return d.toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' });
}

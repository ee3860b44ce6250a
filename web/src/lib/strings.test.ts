import { afterEach, describe, expect, it } from 'vitest';
import { en } from './i18n/en';
import { es } from './i18n/es';
import { formatDateTime, LOCALES, pickLocale, problemText, setLocale, t } from './strings';
import { dayLabel, timeLabel } from './group';

type Entry = [string, unknown];
function flatten(o: Record<string, unknown>, prefix = ''): Entry[] {
  return Object.entries(o).flatMap(([k, v]) => (v && typeof v === 'object' ? flatten(v as Record<string, unknown>, prefix + k + '.') : [[prefix + k, v] as Entry]));
}
// Digit strings work as both numbers and strings in every message function.
const args = (n: number) => Array.from({ length: n }, (_, i) => String(7001 + i));

describe('catalogs', () => {
  const catalogs = Object.entries(LOCALES);

  it('have exactly the same keys', () => {
    const keys = flatten(en).map(([k]) => k);
    for (const [, c] of catalogs) expect(flatten(c).map(([k]) => k)).toEqual(keys);
  });

  it('use the same placeholders in every message', () => {
    const other = new Map(flatten(es));
    for (const [key, v] of flatten(en)) {
      const w = other.get(key);
      expect(typeof w, key).toBe(typeof v);
      if (typeof v !== 'function' || typeof w !== 'function') continue;
      expect(w.length, key).toBe(v.length);
      const a = args(v.length);
      for (const out of [v(...a), w(...a)] as string[]) for (const x of a) expect(out.toLowerCase(), `${key} lacks ${x}`).toContain(x);
    }
  });

  it('have no empty strings or unfilled template syntax', () => {
    for (const [, c] of catalogs)
      for (const [key, v] of flatten(c)) {
        const s = typeof v === 'function' ? String(v(...args(v.length))) : String(v);
        expect(s.trim(), key).not.toBe('');
        expect(s, key).not.toMatch(/\$\{|undefined|NaN/);
      }
  });
});

describe('locale', () => {
  afterEach(() => setLocale('en'));

  it.each([
    [null, ['es-MX', 'en'], 'es'],
    [null, ['de-DE', 'en-GB'], 'en'],
    [null, ['fr'], 'en'],
    ['en', ['es'], 'en'],
    ['xx', ['es-ES'], 'es'],
  ] as const)('stored %s, browser %j → %s', (stored, langs, want) => expect(pickLocale(stored, langs)).toBe(want));

  it('switches every string and date at once', () => {
    const d = new Date('2025-03-03T15:05:00Z');
    const now = new Date('2025-03-10T12:00:00Z');
    expect(t.rooms).toBe('Rooms');
    expect(dayLabel(d, now)).toBe('Monday, March 3');
    setLocale('es');
    expect(t.rooms).toBe('Salas');
    expect(dayLabel(d, now)).toBe('lunes, 3 de marzo');
    expect(dayLabel(now, now)).toBe('Hoy');
    expect(timeLabel(d)).toBe('15:05');
    expect(formatDateTime(d)).toContain('2025');
    expect(problemText(t.fieldPassword, { rule: 'passwordShort', min: 10 })).toBe('Contraseña: debe tener al menos 10 caracteres.');
  });
});

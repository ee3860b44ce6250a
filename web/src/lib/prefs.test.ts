import { afterEach, describe, expect, it } from 'vitest';
import { applyTheme, mutedRooms, saveLocale, setMuted, storedLocale, storedTheme, THEME_KEY, type Store } from './prefs';
import { locale, setLocale } from './strings';

function memory(): Store & { m: Map<string, string> } {
  const m = new Map<string, string>();
  return { m, getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, v), removeItem: (k) => void m.delete(k) };
}

describe('browser preferences', () => {
  afterEach(() => setLocale('en'));

  it('theme: system unless light or dark was stored; applied as data-theme', () => {
    const s = memory();
    expect(storedTheme(s)).toBe('system');
    s.setItem(THEME_KEY, 'dark');
    expect(storedTheme(s)).toBe('dark');
    s.setItem(THEME_KEY, 'purple');
    expect(storedTheme(s)).toBe('system');
    const root = { dataset: {} as DOMStringMap };
    applyTheme('dark', root);
    expect(root.dataset.theme).toBe('dark');
    applyTheme('system', root);
    expect(root.dataset.theme).toBeUndefined();
  });

  it('language: a choice is kept and applied; none follows the browser', () => {
    const s = memory();
    saveLocale(s, 'es', ['en-US']);
    expect(storedLocale(s)).toBe('es');
    expect(locale).toBe('es');
    saveLocale(s, null, ['en-US']);
    expect(storedLocale(s)).toBeNull();
    expect(locale).toBe('en');
  });

  it('muted rooms survive bad stored values', () => {
    const s = memory();
    expect([...setMuted(s, 'r1', true)]).toEqual(['r1']);
    expect([...setMuted(s, 'r2', true)]).toEqual(['r1', 'r2']);
    expect([...setMuted(s, 'r1', false)]).toEqual(['r2']);
    s.setItem('openchat:muted', '{not json');
    expect(mutedRooms(s).size).toBe(0);
  });
});

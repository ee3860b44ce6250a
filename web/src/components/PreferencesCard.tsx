import { useState } from 'react';
import { saveLocale, saveTheme, storedLocale, storedTheme, type Theme } from '../lib/prefs';
import { LOCALE_NAMES, locale, t, type Locale } from '../lib/strings';

/** PreferencesCard: language and theme of this browser, applied at once;
 * onLocale tells the server the language, which its e-mails then use. */
export function PreferencesCard({ onLocale }: { onLocale?: (l: Locale) => void }) {
  const [theme, setTheme] = useState<Theme>(() => storedTheme(localStorage));
  const lang = storedLocale(localStorage) ?? 'auto';
  const themes: Array<[Theme, string]> = [
    ['system', t.themeSystem],
    ['light', t.themeLight],
    ['dark', t.themeDark],
  ];
  return (
    <section className="card" aria-labelledby="prefs-title">
      <h2 id="prefs-title">{t.appearance}</h2>
      <p className="muted small">{t.appearanceHint}</p>
      <label htmlFor="pref-language">{t.language}</label>
      <select
        id="pref-language"
        className="select"
        value={lang}
        onChange={(e) => {
          saveLocale(localStorage, e.target.value === 'auto' ? null : (e.target.value as Locale), navigator.languages);
          onLocale?.(locale);
        }}
      >
        <option value="auto">{t.languageAuto}</option>
        {Object.entries(LOCALE_NAMES).map(([l, name]) => (
          <option key={l} value={l} lang={l}>
            {name}
          </option>
        ))}
      </select>
      <fieldset className="theme-choice">
        <legend>{t.theme}</legend>
        {themes.map(([v, label]) => (
          <label key={v} className="radio">
            <input
              type="radio"
              name="theme"
              value={v}
              checked={theme === v}
              onChange={() => {
                saveTheme(localStorage, v);
                setTheme(v);
              }}
            />
            <span>{label}</span>
          </label>
        ))}
      </fieldset>
    </section>
  );
}

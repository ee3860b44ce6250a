import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { loadConfig } from './lib/config';
import { applyTheme, storedLocale, storedTheme } from './lib/prefs';
import { pickLocale, setLocale } from './lib/strings';
import { registerServiceWorker } from './lib/sw';
import './styles.css';

// Language and theme before the first paint, so nothing flashes.
setLocale(pickLocale(storedLocale(localStorage), navigator.languages));
document.documentElement.lang = pickLocale(storedLocale(localStorage), navigator.languages);
applyTheme(storedTheme(localStorage));

if (import.meta.env.PROD) void registerServiceWorker();

void loadConfig().then((cfg) => {
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <App config={cfg} />
    </StrictMode>,
  );
});

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { loadConfig } from './lib/config';
import './styles.css';

void loadConfig().then((cfg) => {
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <App config={cfg} />
    </StrictMode>,
  );
});

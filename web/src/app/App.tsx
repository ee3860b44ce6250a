import { Fragment, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { Api, ApiError } from '../lib/api';
import { wsURL, type AppConfig } from '../lib/config';
import type { User } from '../lib/types';
import { AuthScreen } from '../components/AuthScreen';
import { ResetPassword } from '../components/ResetPassword';
import { useRoute } from './router';
import { UpdatePrompt } from '../components/UpdatePrompt';
import { Shell } from '../components/Shell';
import { StoreContext } from './hooks';
import { ChatStore } from './store';
import { locale, onLocale, t } from '../lib/strings';
import { OfflineCache, type Snapshot } from '../lib/offline';

/** signed-in with cached: opened without the server, on what this device kept. */
type Boot = { phase: 'loading' } | { phase: 'signed-out' } | { phase: 'signed-in'; me: User; cached?: Snapshot } | { phase: 'error'; message: string };

export function App({ config }: { config: AppConfig }) {
  const api = useMemo(() => new Api(config, location.origin, localStorage), [config]);
  const cache = useMemo(() => new OfflineCache(localStorage), []);
  const [boot, setBoot] = useState<Boot>({ phase: 'loading' });
  // A new language re-mounts the screens (not the store) so every string is read again.
  const lang = useSyncExternalStore(onLocale, () => locale);
  const route = useRoute();

  useEffect(() => {
    let live = true;
    const check = () =>
      api.me().then(
        (me) => {
          if (!live) return;
          cache.signedIn(me);
          setBoot({ phase: 'signed-in', me });
        },
        (e) => {
          if (!live) return;
          const cached = cache.load();
          if (e instanceof ApiError && e.status === 401) {
            cache.clear();
            setBoot({ phase: 'signed-out' });
          } else if (e instanceof ApiError && e.status === 0 && cached) {
            // No server: open on what this device kept (the banner says offline).
            setBoot((b) => (b.phase === 'signed-in' ? b : { phase: 'signed-in', me: cached.me, cached }));
          } else setBoot((b) => (b.phase === 'signed-in' ? b : { phase: 'error', message: e instanceof Error ? e.message : String(e) }));
        },
      );
    void check();
    // Opened without a network (the service worker served the client): start when it returns.
    const retry = () => void check();
    window.addEventListener('online', retry);
    return () => {
      live = false;
      window.removeEventListener('online', retry);
    };
  }, [api, cache]);

  const store = useMemo(
    () =>
      boot.phase === 'signed-in'
        ? new ChatStore(api, boot.me, () => wsURL(config, location, api.token()), localStorage, boot.cached, () => {
            cache.clear();
            setBoot({ phase: 'signed-out' });
          })
        : null,
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [boot.phase === 'signed-in' ? boot.me.id : null],
  );

  useEffect(() => {
    if (!store) return;
    store.start();
    return () => store.stop();
  }, [store]);

  // A reset link works signed in or out: it is about the account of the token.
  if (route.view === 'reset-password') return <ResetPassword key={lang} api={api} token={route.token} />;
  switch (boot.phase) {
    case 'loading':
      return <div className="splash" aria-busy="true">{t.loading}</div>;
    case 'error':
      return (
        <div className="splash" role="alert">
          <p>{navigator.onLine ? t.cannotReach(boot.message) : t.offlineBanner}</p>
          <button className="btn" onClick={() => location.reload()}>{t.tryAgain}</button>
        </div>
      );
    case 'signed-out':
      return (
        <>
          <UpdatePrompt />
          <AuthScreen key={lang} api={api} onSignedIn={(me) => {
              cache.signedIn(me);
              setBoot({ phase: 'signed-in', me });
            }} />
        </>
      );
  }
  return (
    <StoreContext.Provider value={store}>
      <UpdatePrompt />
      <Fragment key={lang}>
        <Shell
          onSignOut={async () => {
            try {
              await api.signOut();
            } catch {
              // Signed out locally anyway.
            }
            cache.clear();
            setBoot({ phase: 'signed-out' });
          }}
        />
      </Fragment>
    </StoreContext.Provider>
  );
}

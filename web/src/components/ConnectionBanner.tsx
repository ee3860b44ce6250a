import { useEffect, useState } from 'react';
import { useChat, useStore } from '../app/hooks';
import { t } from '../lib/strings';

/**
 * ConnectionBanner tells, at every screen size, that the live connection is
 * gone and what happens next: offline (the browser has no network) or
 * reconnecting with a countdown and a way to skip the wait.
 */
export function ConnectionBanner() {
  const store = useStore();
  const conn = useChat((s) => s.conn);
  const retryAt = useChat((s) => s.retryAt);
  const now = useNow(conn === 'reconnecting' && retryAt !== null);
  if (conn !== 'offline' && conn !== 'reconnecting') return null;
  const secs = retryAt === null ? 0 : Math.max(0, Math.ceil((retryAt - now) / 1000));
  return (
    <div className={'banner conn-banner conn-banner-' + conn} role="status" data-testid="conn-banner">
      <span className="dot" aria-hidden="true" />
      {conn === 'offline' ? (
        <span>{t.offlineBanner}</span>
      ) : (
        <>
          <span>{secs > 0 ? t.reconnectingIn(secs) : t.reconnecting}</span>
          <button type="button" className="btn small" onClick={() => store.reconnectNow()}>
            {t.retryNow}
          </button>
        </>
      )}
    </div>
  );
}

/** useNow re-renders every second while ticking. */
function useNow(ticking: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    setNow(Date.now());
    const id = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(id);
  }, [ticking]);
  return now;
}

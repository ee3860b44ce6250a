import { useState } from 'react';
import { useChat, useStore } from '../app/hooks';
import { ApiError } from '../lib/api';
import { t } from '../lib/strings';

/** Shown while the user's e-mail address is unverified: no e-mail reaches it until then. */
export function VerifyBanner() {
  const store = useStore();
  const me = useChat((s) => s.me);
  const [status, setStatus] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (me.email_verified !== false || !me.email) return null;

  async function resend() {
    setBusy(true);
    setStatus(null);
    try {
      await store.api.resendVerification();
      setStatus(t.verifySent);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'conflict') {
        store.setMe(await store.api.me()); // verified meanwhile: the banner goes
        return;
      }
      setStatus(err instanceof ApiError ? err.message : t.couldNotSend);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="banner" role="region" aria-label={t.emailNotConfirmed}>
      <span>
        {t.confirmEmailBefore} <strong>{me.email}</strong>. {t.confirmEmailAfter}
      </span>
      <button type="button" className="btn" onClick={resend} disabled={busy}>
        {t.resend}
      </button>
      <span role="status">{status}</span>
    </div>
  );
}

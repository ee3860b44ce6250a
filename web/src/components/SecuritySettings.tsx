import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useStore } from '../app/hooks';
import { ApiError } from '../lib/api';
import type { Session } from '../lib/types';
import { formatDateTime, t } from '../lib/strings';

/** Password change and the list of signed-in sessions, in Settings. */
export function SecuritySettings({ onSignedOut }: { onSignedOut: () => void }) {
  const store = useStore();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [status, setStatus] = useState<{ ok: boolean; text: string; field?: string } | null>(null);
  const [sessions, setSessions] = useState<Session[]>([]);

  const load = useCallback(async () => {
    try {
      setSessions(await store.api.sessions());
    } catch {
      setSessions([]);
    }
  }, [store]);
  useEffect(() => {
    void load();
  }, [load]);

  async function change(e: FormEvent) {
    e.preventDefault();
    setStatus(null);
    try {
      await store.api.changePassword(current, next);
      setCurrent('');
      setNext('');
      setStatus({ ok: true, text: t.passwordChanged });
      void load();
    } catch (err) {
      setStatus(err instanceof ApiError ? { ok: false, text: err.message, field: err.field } : { ok: false, text: t.couldNotChange });
    }
  }

  async function end(s: Session) {
    await store.api.endSession(s.id);
    if (s.current) onSignedOut();
    else void load();
  }

  async function endAll() {
    await store.api.endAllSessions();
    onSignedOut();
  }

  return (
    <>
      <form className="card" onSubmit={change} aria-label={t.changePassword}>
        <h2>{t.fieldPassword}</h2>
        <label htmlFor="pw-current">{t.currentPassword}</label>
        <input id="pw-current" type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)}
          aria-invalid={status?.field === 'current_password' || undefined} required />
        <label htmlFor="pw-new">{t.newPassword}</label>
        <input id="pw-new" type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)}
          aria-invalid={status?.field === 'new_password' || undefined} required />
        <p className="hint">{t.newPasswordHint}</p>
        <div className="row">
          <button className="btn" type="submit">{t.changePassword}</button>
          <span role="status" className={status?.ok ? 'ok' : 'form-error'}>{status?.text}</span>
        </div>
      </form>
      <section className="card" aria-labelledby="sessions-title">
        <h2 id="sessions-title">{t.sessions}</h2>
        <ul className="session-list">
          {sessions.map((s) => (
            <li key={s.id}>
              <span>
                <strong>{s.user_agent || t.unknownClient}</strong>
                {s.current && <span className="muted"> {t.thisOne}</span>}
                <br />
                <span className="muted">
                  {s.address} · {t.lastSeen(formatDateTime(new Date(s.last_seen_at)))}
                </span>
              </span>
              <button type="button" className="btn" onClick={() => void end(s)}>
                {t.endSession}
              </button>
            </li>
          ))}
        </ul>
        <button type="button" className="btn danger" onClick={() => void endAll()}>
          {t.endAllSessions}
        </button>
      </section>
    </>
  );
}

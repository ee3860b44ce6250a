import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useStore } from '../app/hooks';
import { ApiError } from '../lib/api';
import type { Session } from '../lib/types';

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
      setStatus({ ok: true, text: 'Password changed. Your other sessions were signed out.' });
      void load();
    } catch (err) {
      setStatus(err instanceof ApiError ? { ok: false, text: err.message, field: err.field } : { ok: false, text: 'Could not change.' });
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
      <form className="card" onSubmit={change} aria-label="Change password">
        <h2>Password</h2>
        <label htmlFor="pw-current">Current password</label>
        <input id="pw-current" type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)}
          aria-invalid={status?.field === 'current_password' || undefined} required />
        <label htmlFor="pw-new">New password</label>
        <input id="pw-new" type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)}
          aria-invalid={status?.field === 'new_password' || undefined} required />
        <p className="hint">At least 10 characters and hard to guess. Changing it signs out your other sessions.</p>
        <div className="row">
          <button className="btn" type="submit">Change password</button>
          <span role="status" className={status?.ok ? 'ok' : 'form-error'}>{status?.text}</span>
        </div>
      </form>
      <section className="card" aria-labelledby="sessions-title">
        <h2 id="sessions-title">Sessions</h2>
        <ul className="session-list">
          {sessions.map((s) => (
            <li key={s.id}>
              <span>
                <strong>{s.user_agent || 'Unknown client'}</strong>
                {s.current && <span className="muted"> (this one)</span>}
                <br />
                <span className="muted">
                  {s.address} · last seen {new Date(s.last_seen_at).toLocaleString()}
                </span>
              </span>
              <button type="button" className="btn" onClick={() => void end(s)}>
                End session
              </button>
            </li>
          ))}
        </ul>
        <button type="button" className="btn danger" onClick={() => void endAll()}>
          End all sessions
        </button>
      </section>
    </>
  );
}

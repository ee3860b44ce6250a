import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useStore } from '../app/hooks';
import { errorText } from '../lib/api';
import { t } from '../lib/strings';

/** "Your data" in Settings: download an export, or delete the account (password confirmed in a modal dialog). */
export function AccountData({ onDeleted }: { onDeleted: () => void }) {
  const store = useStore();
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState('');
  const [asking, setAsking] = useState(false);

  async function download() {
    setBusy(true);
    setStatus(t.preparingData);
    try {
      const blob = await store.api.exportData();
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = 'openchat-data.zip';
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setStatus('');
    } catch (err) {
      setStatus(errorText(err, t.couldNotDownload));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="your-data-title">
      <h2 id="your-data-title">{t.yourData}</h2>
      <p className="muted">{t.yourDataHint}</p>
      <div className="row">
        <button type="button" className="btn" onClick={() => void download()} disabled={busy}>
          {t.downloadData}
        </button>
        <button type="button" className="btn danger" onClick={() => setAsking(true)}>
          {t.deleteAccount}
        </button>
        <span role="status" className="muted">{status}</span>
      </div>
      {asking && <DeleteAccountDialog onClose={() => setAsking(false)} onDeleted={onDeleted} />}
    </section>
  );
}

/** A modal dialog that deletes the account once the password is typed; focus starts in the field and returns on close. */
function DeleteAccountDialog({ onClose, onDeleted }: { onClose: () => void; onDeleted: () => void }) {
  const store = useStore();
  const ref = useRef<HTMLDialogElement>(null);
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const back = document.activeElement as HTMLElement | null;
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => back?.focus();
  }, []);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await store.api.deleteAccount(password);
      onDeleted();
    } catch (err) {
      setError(errorText(err, t.couldNotDeleteAccount));
      setBusy(false);
    }
  }

  return (
    <dialog ref={ref} className="confirm" aria-labelledby="delete-account-title" aria-describedby="delete-account-body" onClose={onClose}>
      <form onSubmit={submit}>
        <h2 id="delete-account-title">{t.deleteAccountTitle}</h2>
        <p id="delete-account-body">
          {t.deleteAccountBody} {t.deleteAccountMessages}
        </p>
        <label htmlFor="delete-account-password">{t.confirmWithPassword}</label>
        <input id="delete-account-password" type="password" autoComplete="current-password" autoFocus required value={password}
          onChange={(e) => setPassword(e.target.value)} aria-invalid={error ? true : undefined} aria-describedby="delete-account-error" />
        <p id="delete-account-error" role="alert" className="form-error">{error}</p>
        <div className="actions">
          <button type="button" className="btn" onClick={onClose}>
            {t.cancel}
          </button>
          <button type="submit" className="btn primary danger-fill" disabled={busy || password === ''}>
            {t.deleteForever}
          </button>
        </div>
      </form>
    </dialog>
  );
}

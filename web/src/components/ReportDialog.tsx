import { useEffect, useRef, useState, type FormEvent } from 'react';
import { errorText } from '../lib/api';
import { t } from '../lib/strings';

/**
 * ReportDialog asks for the reason of a report. A modal <dialog>: focus
 * starts in the reason, stays inside, and goes back when it closes.
 */
export function ReportDialog({ onSend, onClose }: { onSend: (reason: string) => Promise<unknown>; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const back = document.activeElement as HTMLElement | null;
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => back?.focus();
  }, []);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!reason.trim()) return;
    setBusy(true);
    try {
      await onSend(reason.trim());
    } catch (err) {
      setError(errorText(err, t.couldNotDoIt));
      setBusy(false);
    }
  };
  return (
    <dialog ref={ref} className="confirm" aria-labelledby="report-title" onClose={onClose}>
      <form onSubmit={submit}>
        <h2 id="report-title">{t.reportTitle}</h2>
        <label htmlFor="report-reason">{t.reason}</label>
        <textarea id="report-reason" className="input" maxLength={500} rows={3} required autoFocus aria-describedby="report-hint" value={reason} onChange={(e) => setReason(e.target.value)} />
        <p id="report-hint" className="muted small">
          {t.reportHint}
        </p>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <div className="actions">
          <button type="button" className="btn" onClick={onClose}>
            {t.cancel}
          </button>
          <button type="submit" className="btn primary" disabled={busy || !reason.trim()}>
            {t.reportMessage}
          </button>
        </div>
      </form>
    </dialog>
  );
}

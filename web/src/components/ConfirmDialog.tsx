import { useEffect, useRef } from 'react';
import { t } from '../lib/strings';

/**
 * ConfirmDialog asks before something that cannot be undone. A modal
 * <dialog> keeps focus inside and closes on Escape; focus starts on Cancel
 * and goes back where it was when the dialog closes.
 */
export function ConfirmDialog({ title, body, confirm, onConfirm, onClose }: { title: string; body: string; confirm: string; onConfirm: () => void; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const back = document.activeElement as HTMLElement | null;
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => back?.focus();
  }, []);
  return (
    <dialog ref={ref} className="confirm" aria-labelledby="confirm-title" aria-describedby="confirm-body" onClose={onClose}>
      <h2 id="confirm-title">{title}</h2>
      <p id="confirm-body">{body}</p>
      <div className="actions">
        <button type="button" className="btn" autoFocus onClick={onClose}>
          {t.cancel}
        </button>
        <button type="button" className="btn primary danger-fill" onClick={onConfirm}>
          {confirm}
        </button>
      </div>
    </dialog>
  );
}

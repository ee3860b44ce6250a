import { useState } from 'react';
import { useStore } from '../app/hooks';
import { errorText } from '../lib/api';
import { t } from '../lib/strings';

/** MessageEditor edits a message in place: Enter saves, Shift+Enter breaks the line, Escape cancels. */
export function MessageEditor({ roomId, seq, body, onDone }: { roomId: string; seq: number; body: string; onDone: () => void }) {
  const store = useStore();
  const [text, setText] = useState(body);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const id = `edit-${roomId}-${seq}`;

  async function save() {
    const v = text.trim();
    if (!v || v === body.trim()) return onDone();
    setBusy(true);
    setError('');
    try {
      await store.edit(roomId, seq, v);
      onDone();
    } catch (e) {
      setError(errorText(e, t.couldNotSave));
      setBusy(false);
    }
  }

  return (
    <form
      className="editor"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <label htmlFor={id} className="sr-only">
        {t.editLabel}
      </label>
      <textarea
        id={id}
        value={text}
        rows={Math.min(8, text.split('\n').length + 1)}
        autoFocus
        onFocus={(e) => e.currentTarget.setSelectionRange(e.currentTarget.value.length, e.currentTarget.value.length)}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            e.stopPropagation();
            onDone();
          } else if (e.key === 'Enter' && !e.shiftKey) {
            e.preventDefault();
            void save();
          }
        }}
        aria-describedby={id + '-hint'}
        disabled={busy}
      />
      <p id={id + '-hint'} className="muted small">
        {t.editHint}
      </p>
      <div className="editor-actions">
        <button type="button" className="btn small" onClick={onDone}>
          {t.cancel}
        </button>
        <button type="submit" className="btn small primary" disabled={busy || !text.trim()}>
          {t.save}
        </button>
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

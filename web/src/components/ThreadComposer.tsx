import { useState } from 'react';
import { useStore } from '../app/hooks';
import { errorText } from '../lib/api';
import { t } from '../lib/strings';
import { Send } from './Icons';

/** ThreadComposer posts a reply into a thread, and to the room as well when asked. */
export function ThreadComposer({ roomId, seq }: { roomId: string; seq: number }) {
  const store = useStore();
  const [text, setText] = useState('');
  const [also, setAlso] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  async function send() {
    const body = text.trim();
    if (!body || busy) return;
    setBusy(true);
    setError('');
    try {
      await store.reply(roomId, seq, body, also);
      setText('');
      setAlso(false);
    } catch (e) {
      setError(errorText(e, t.couldNotSendReply));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      className="thread-composer"
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      <div className="row">
        <label htmlFor="thread-input" className="sr-only">
          {t.replyLabel}
        </label>
        <textarea
          id="thread-input"
          rows={2}
          value={text}
          placeholder={t.replyPlaceholder}
          autoFocus
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey) {
              e.preventDefault();
              void send();
            }
          }}
        />
        <button type="submit" className="send-btn" aria-label={t.send} disabled={!text.trim() || busy}>
          <Send />
        </button>
      </div>
      <label className="check">
        <input type="checkbox" checked={also} onChange={(e) => setAlso(e.target.checked)} /> {t.alsoSendToRoom}
      </label>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

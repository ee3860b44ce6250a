import { useState, type FormEvent } from 'react';
import { useStore } from '../app/hooks';
import { navigate, roomPath } from '../app/router';
import { errorText } from '../lib/api';
import { t } from '../lib/strings';
import { focusFirstError, RoomFields, roomFieldErrors, serverFieldErrors, type RoomFieldErrors } from './RoomFields';

/** CreateRoom is the sidebar's new-room form: name, topic, who can find it. */
export function CreateRoom({ onDone }: { onDone: () => void }) {
  const store = useStore();
  const [name, setName] = useState('');
  const [topic, setTopic] = useState('');
  const [visibility, setVisibility] = useState<'public' | 'private'>('public');
  const [errors, setErrors] = useState<RoomFieldErrors>({});
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const errs = roomFieldErrors(name, topic);
    setErrors(errs);
    setError('');
    if (focusFirstError('new-room', errs)) return;
    setBusy(true);
    try {
      const room = await store.createRoom(name.trim(), topic.trim(), visibility);
      onDone();
      navigate(roomPath(room.id));
    } catch (err) {
      const fields = serverFieldErrors(err);
      if (fields) setErrors(fields);
      else setError(errorText(err, t.couldNotCreateRoom));
    } finally {
      setBusy(false);
    }
  }
  const choices = [
    { value: 'public', label: t.visibilityPublic, hint: t.visibilityPublicHint },
    { value: 'private', label: t.visibilityPrivate, hint: t.visibilityPrivateHint },
  ] as const;
  return (
    <form id="create-room" className="create-room" onSubmit={submit} noValidate aria-label={t.createRoom}>
      <RoomFields prefix="new-room" name={name} topic={topic} setName={setName} setTopic={setTopic} errors={errors} autoFocus />
      <fieldset className="visibility">
        <legend>{t.visibility}</legend>
        {choices.map((c) => (
          <label key={c.value} className="radio">
            <input type="radio" name="new-room-visibility" value={c.value} checked={visibility === c.value} onChange={() => setVisibility(c.value)} />
            <span>
              <strong>{c.label}</strong>
              <span className="muted small"> — {c.hint}</span>
            </span>
          </label>
        ))}
      </fieldset>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="row">
        <button type="button" className="btn" onClick={onDone}>
          {t.cancel}
        </button>
        <button type="submit" className="btn primary" disabled={busy}>
          {t.create}
        </button>
      </div>
    </form>
  );
}

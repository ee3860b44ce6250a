import { useState, type FormEvent } from 'react';
import { useStore } from '../app/hooks';
import { navigate, roomPath } from '../app/router';
import { ApiError, errorText } from '../lib/api';
import { problemText, t } from '../lib/strings';
import { checkRoomName, checkTopic, ROOM_NAME_MAX, ROOM_TOPIC_MAX } from '../lib/validate';
import { FormField } from './FormField';

/** CreateRoom is the sidebar's new-room form: name, topic, who can find it. */
export function CreateRoom({ onDone }: { onDone: () => void }) {
  const store = useStore();
  const [name, setName] = useState('');
  const [topic, setTopic] = useState('');
  const [visibility, setVisibility] = useState<'public' | 'private'>('public');
  const [errors, setErrors] = useState<{ name?: string; topic?: string }>({});
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const n = checkRoomName(name);
    const tp = checkTopic(topic);
    const errs = { name: n && problemText(t.fieldRoomName, n), topic: tp && problemText(t.fieldTopic, tp) };
    setErrors(errs);
    setError('');
    if (errs.name || errs.topic) {
      document.getElementById(errs.name ? 'new-room-name' : 'new-room-topic')?.focus();
      return;
    }
    setBusy(true);
    try {
      const room = await store.createRoom(name.trim(), topic.trim(), visibility);
      onDone();
      navigate(roomPath(room.id));
    } catch (err) {
      if (err instanceof ApiError && (err.field === 'name' || err.field === 'topic')) {
        setErrors({ [err.field]: t.serverField(err.field === 'name' ? t.fieldRoomName : t.fieldTopic, err.message) });
      } else setError(errorText(err, t.couldNotCreateRoom));
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
      <FormField id="new-room-name" label={t.fieldRoomName} value={name} onChange={(e) => setName(e.target.value)} maxLength={ROOM_NAME_MAX + 8} required autoFocus error={errors.name} />
      <FormField
        id="new-room-topic"
        label={
          <>
            {t.fieldTopic} <span className="muted">{t.optional}</span>
          </>
        }
        value={topic}
        onChange={(e) => setTopic(e.target.value)}
        maxLength={ROOM_TOPIC_MAX + 8}
        error={errors.topic}
      />
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

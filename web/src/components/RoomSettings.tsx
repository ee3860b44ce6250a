import { useState, type FormEvent } from 'react';
import { useStore } from '../app/hooks';
import { errorText } from '../lib/api';
import { t } from '../lib/strings';
import type { MyRoom } from '../lib/types';
import { focusFirstError, RoomFields, roomFieldErrors, serverFieldErrors, type RoomFieldErrors } from './RoomFields';

/**
 * RoomSettings lets an owner or moderator rename the room and change its
 * topic. Every member's open page follows at once (room_changed).
 */
export function RoomSettings({ room }: { room: MyRoom }) {
  const store = useStore();
  // What the person typed; until then (and after a save) the form shows
  // the room as it is, someone else's change included.
  const [draft, setDraft] = useState<{ name: string; topic: string } | null>(null);
  const { name, topic } = draft ?? room;
  const [errors, setErrors] = useState<RoomFieldErrors>({});
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const errs = roomFieldErrors(name, topic);
    setErrors(errs);
    setStatus(null);
    if (focusFirstError('room', errs)) return;
    setBusy(true);
    try {
      await store.renameRoom(room.id, name.trim(), topic.trim());
      setDraft(null);
      setStatus({ ok: true, text: t.saved });
    } catch (err) {
      const fields = serverFieldErrors(err);
      if (fields) setErrors(fields);
      else setStatus({ ok: false, text: errorText(err, t.couldNotSave) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="room-details-title">
      <h2 id="room-details-title">{t.roomDetails}</h2>
      <form onSubmit={submit} noValidate>
        <RoomFields prefix="room" name={name} topic={topic} setName={(v) => setDraft({ name: v, topic })} setTopic={(v) => setDraft({ name, topic: v })} errors={errors} />
        <p role="status" className={status ? (status.ok ? 'ok' : 'form-error') : 'sr-only'}>
          {status?.text}
        </p>
        <div className="row">
          <button type="submit" className="btn primary" disabled={busy || (name.trim() === room.name && topic.trim() === room.topic)}>
            {t.save}
          </button>
        </div>
      </form>
    </section>
  );
}

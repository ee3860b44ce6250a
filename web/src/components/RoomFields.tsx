import { ApiError } from '../lib/api';
import { problemText, t } from '../lib/strings';
import { checkRoomName, checkTopic, ROOM_NAME_MAX, ROOM_TOPIC_MAX } from '../lib/validate';
import { FormField } from './FormField';

/** RoomFieldErrors holds what is wrong with a room's name or topic, in words. */
export type RoomFieldErrors = { name?: string; topic?: string };

/** roomFieldErrors checks a room's name and topic by the server's rules. */
export function roomFieldErrors(name: string, topic: string): RoomFieldErrors {
  const n = checkRoomName(name);
  const tp = checkTopic(topic);
  return { name: n && problemText(t.fieldRoomName, n), topic: tp && problemText(t.fieldTopic, tp) };
}

/** serverFieldErrors is the server's refusal of the name or topic, or null for any other error. */
export function serverFieldErrors(err: unknown): RoomFieldErrors | null {
  if (!(err instanceof ApiError) || (err.field !== 'name' && err.field !== 'topic')) return null;
  return { [err.field]: t.serverField(err.field === 'name' ? t.fieldRoomName : t.fieldTopic, err.message) };
}

/** RoomFields is the name and topic inputs of a room form, with ids PREFIX-name and PREFIX-topic. */
export function RoomFields(p: { prefix: string; name: string; topic: string; setName(v: string): void; setTopic(v: string): void; errors: RoomFieldErrors; autoFocus?: boolean }) {
  return (
    <>
      <FormField id={p.prefix + '-name'} label={t.fieldRoomName} value={p.name} onChange={(e) => p.setName(e.target.value)} maxLength={ROOM_NAME_MAX + 8} required autoFocus={p.autoFocus} error={p.errors.name} />
      <FormField
        id={p.prefix + '-topic'}
        label={
          <>
            {t.fieldTopic} <span className="muted">{t.optional}</span>
          </>
        }
        value={p.topic}
        onChange={(e) => p.setTopic(e.target.value)}
        maxLength={ROOM_TOPIC_MAX + 8}
        error={p.errors.topic}
      />
    </>
  );
}

/** focusFirstError focuses the first field of errs that has a problem; it reports whether there was one. */
export function focusFirstError(prefix: string, errs: RoomFieldErrors): boolean {
  if (!errs.name && !errs.topic) return false;
  document.getElementById(prefix + (errs.name ? '-name' : '-topic'))?.focus();
  return true;
}

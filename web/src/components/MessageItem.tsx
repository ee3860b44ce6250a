import { memo, useRef, useState } from 'react';
import { useChat, useStore } from '../app/hooks';
import { timeLabel, type Item } from '../lib/group';
import { mentionsUser } from '../lib/mentions';
import { formatDateTime, t } from '../lib/strings';
import type { Message, PendingMessage } from '../lib/types';
import { displayName } from './Avatar';
import { ConfirmDialog } from './ConfirmDialog';
import { EmojiPicker } from './EmojiPicker';
import { MessageActions, type Action } from './MessageActions';
import { MessageBody } from './MessageBody';
import { MessageEditor } from './MessageEditor';
import { PendingStatus } from './PendingStatus';
import { ReportDialog } from './ReportDialog';
import { Reactions } from './Reactions';
import { Attachments } from './Attachments';

/** A touch held this long opens the message's menu. */
const LONG_PRESS_MS = 500;

/** MessageItem is one message: its body (or tombstone), marks, reactions, thread link and actions. */
export const MessageItem = memo(function MessageItem({ m, roomId, me, inThread = false }: { m: Item; roomId: string; me: string; inThread?: boolean }) {
  if (m.seq === undefined) return <PendingItem p={m as PendingMessage} roomId={roomId} me={me} />;
  return <StoredItem m={m} roomId={roomId} me={me} inThread={inThread} />;
});

function PendingItem({ p, roomId, me }: { p: PendingMessage; roomId: string; me: string }) {
  const d = new Date(p.created_at);
  return (
    <div tabIndex={-1} className={'msg pending' + (p.failed ? ' failed' : '')}>
      <time className="msg-time muted" dateTime={d.toISOString()} title={formatDateTime(d)}>
        {timeLabel(d)}
      </time>
      <MessageBody body={p.body} me={me} />
      {p.attachments && p.attachments.length > 0 && <Attachments items={p.attachments} />}
      <PendingStatus roomId={roomId} p={p} />
    </div>
  );
}

function StoredItem({ m, roomId, me, inThread }: { m: Message; roomId: string; me: string; inThread: boolean }) {
  const store = useStore();
  const meId = useChat((s) => s.me.id);
  const admin = useChat((s) => !!s.me.admin);
  const role = useChat((s) => s.rooms.find((r) => r.id === roomId)?.role);
  const [menu, setMenu] = useState(false);
  const [picker, setPicker] = useState(false);
  const [editing, setEditing] = useState(false);
  const [confirm, setConfirm] = useState(false);
  const [reporting, setReporting] = useState(false);
  const [error, setError] = useState('');
  const press = useRef(0);
  const self = useRef<HTMLDivElement>(null);
  const d = new Date(m.created_at);
  const mine = m.author.id === meId;
  const member = role !== undefined;
  const allowed = {
    reply: !inThread && !m.reply_to && member,
    edit: mine && !m.deleted,
    delete: !m.deleted && (mine || admin || role === 'owner' || role === 'moderator'),
    report: !m.deleted && !mine,
  };

  const act = (a: Action) => {
    setError('');
    if (a === 'react') setPicker(true);
    else if (a === 'reply') store.openThread(roomId, m.seq);
    else if (a === 'edit') setEditing(true);
    else if (a === 'report') setReporting(true);
    else setConfirm(true);
  };
  const react = (emoji: string) => {
    setPicker(false);
    const on = !m.reactions?.find((r) => r.emoji === emoji)?.me;
    store.react(roomId, m.seq, emoji, on).catch(() => setError(t.couldNotReact));
  };
  const remove = () => {
    setConfirm(false);
    store.remove(roomId, m.seq).catch(() => setError(t.couldNotDelete));
  };
  const doneEditing = () => {
    setEditing(false);
    self.current?.focus({ preventScroll: true });
  };
  const startPress = () => {
    window.clearTimeout(press.current);
    press.current = window.setTimeout(() => setMenu(true), LONG_PRESS_MS);
  };
  const endPress = () => window.clearTimeout(press.current);

  return (
    <div
      ref={self}
      id={inThread ? undefined : 'seq-' + m.seq}
      data-seq={m.seq}
      tabIndex={-1}
      className={'msg' + (m.deleted ? ' deleted' : '') + (!m.deleted && mentionsUser(m, me) ? ' mention-me' : '') + (menu || picker ? ' active' : '')}
      onTouchStart={m.deleted ? undefined : startPress}
      onTouchEnd={endPress}
      onTouchMove={endPress}
      onContextMenu={(e) => {
        // A long press on a phone: our menu instead of the browser's.
        if (e.nativeEvent instanceof PointerEvent && e.nativeEvent.pointerType === 'touch') e.preventDefault();
      }}
    >
      <time className="msg-time muted" dateTime={d.toISOString()} title={formatDateTime(d)}>
        {timeLabel(d)}
      </time>
      {editing ? (
        <MessageEditor roomId={roomId} seq={m.seq} body={m.body} onDone={doneEditing} />
      ) : m.deleted ? (
        <div className="body tombstone muted">{t.messageDeleted}</div>
      ) : (
        <MessageBody body={m.body} me={me} />
      )}
      {!m.deleted && m.attachments && m.attachments.length > 0 && <Attachments items={m.attachments} />}
      {m.edited_at && !m.deleted && !editing && (
        <span className="edited muted" title={t.editedAt(formatDateTime(new Date(m.edited_at)))}>
          {t.edited}
        </span>
      )}
      {m.reply_to && m.also_to_room && !inThread && (
        <button type="button" className="link-btn small muted" onClick={() => store.openThread(roomId, m.reply_to!)}>
          {t.alsoInRoom}
        </button>
      )}
      <Reactions roomId={roomId} seq={m.seq} reactions={m.reactions ?? []} onError={setError} />
      {!inThread && (m.reply_count ?? 0) > 0 && (
        <button type="button" className="link-btn replies-link" onClick={() => store.openThread(roomId, m.seq)}>
          {t.replies(m.reply_count ?? 0)}
        </button>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {reporting && (
        <ReportDialog
          onClose={() => setReporting(false)}
          onSend={async (reason) => {
            await store.api.reportMessage(roomId, m.seq, reason);
            setReporting(false);
            setError(t.reportSent);
          }}
        />
      )}
      {!m.deleted && !editing && <MessageActions who={displayName(m.author)} allowed={allowed} open={menu} setOpen={setMenu} onAction={act} />}
      {picker && <EmojiPicker onPick={react} onClose={() => setPicker(false)} />}
      {confirm && <ConfirmDialog title={t.deleteTitle} body={t.deleteBody} confirm={t.deleteMessage} onConfirm={remove} onClose={() => setConfirm(false)} />}
    </div>
  );
}

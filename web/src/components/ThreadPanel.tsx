import { useEffect, useRef } from 'react';
import { useChat, useStore } from '../app/hooks';
import { threadKey } from '../app/threads';
import { findSeq } from '../lib/changes';
import { t } from '../lib/strings';
import { Avatar, displayName } from './Avatar';
import { Close } from './Icons';
import { MessageItem } from './MessageItem';
import { ThreadComposer } from './ThreadComposer';
import type { Message } from '../lib/types';

/** ThreadPanel shows a message's thread beside the room (over it on a phone), with its own composer. */
export function ThreadPanel({ roomId, seq }: { roomId: string; seq: number }) {
  const store = useStore();
  const me = useChat((s) => s.me.username);
  const member = useChat((s) => s.rooms.some((r) => r.id === roomId));
  const parent = useChat((s) => {
    const list = s.data[roomId]?.messages ?? [];
    const i = findSeq(list, seq);
    return i >= 0 ? list[i] : undefined;
  });
  const thread = useChat((s) => s.threads[threadKey(roomId, seq)]);
  const back = useRef<Element | null>(null);

  // Focus came from the message; it returns there when the panel closes.
  useEffect(() => {
    back.current = document.activeElement;
    return () => {
      const el = back.current;
      if (el instanceof HTMLElement && el.isConnected) el.focus();
    };
  }, [roomId, seq]);

  const close = () => store.closeThread();
  return (
    <aside className="thread-panel" aria-labelledby="thread-title" onKeyDown={(e) => e.key === 'Escape' && !e.defaultPrevented && (e.target as HTMLElement).tagName !== 'TEXTAREA' && close()}>
      <header className="thread-header">
        <h2 id="thread-title">{t.thread}</h2>
        <button type="button" className="icon-btn" aria-label={t.closeThread} title={t.closeThread} onClick={close}>
          <Close />
        </button>
      </header>
      <div className="thread-body">
        {parent && <ThreadMessage m={parent} roomId={roomId} me={me} />}
        <div className="thread-count muted" role="separator" aria-label={t.replies(parent?.reply_count ?? thread?.replies.length ?? 0)}>
          <span>{t.replies(parent?.reply_count ?? thread?.replies.length ?? 0)}</span>
        </div>
        {!thread?.loaded && !thread?.error && <p className="muted pad">{t.threadLoading}</p>}
        {thread?.error && (
          <p className="form-error pad" role="alert">
            {t.couldNotLoadThread}
          </p>
        )}
        {thread?.loaded && thread.replies.length === 0 && <p className="muted pad">{t.noRepliesYet}</p>}
        <ul className="thread-replies" aria-label={t.thread}>
          {thread?.replies.map((m) => (
            <li key={m.seq}>
              <ThreadMessage m={m} roomId={roomId} me={me} />
            </li>
          ))}
        </ul>
        {thread?.hasMore && (
          <button type="button" className="btn small" onClick={() => store.loadMoreReplies(roomId, seq)}>
            {t.olderReplies}
          </button>
        )}
      </div>
      {member && !parent?.deleted && <ThreadComposer roomId={roomId} seq={seq} />}
    </aside>
  );
}

function ThreadMessage({ m, roomId, me }: { m: Message; roomId: string; me: string }) {
  return (
    <div className="group thread-msg">
      <Avatar user={m.author} size={28} />
      <div className="group-main">
        <div className="group-head">
          <strong className="author">{displayName(m.author)}</strong>
        </div>
        <MessageItem m={m} roomId={roomId} me={me} inThread />
      </div>
    </div>
  );
}

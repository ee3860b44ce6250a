import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useChat, useStore } from '../app/hooks';
import type { RoomData } from '../app/store';
import { groupMessages, itemKey, timeLabel, type Item, type Row } from '../lib/group';
import { inRoom } from '../lib/changes';
import { Avatar, displayName } from './Avatar';
import { navigate, roomPath } from '../app/router';
import { t } from '../lib/strings';
import { Down } from './Icons';
import { MessageItem } from './MessageItem';
import { UnreadBar } from './UnreadBar';
import { unreadPlace } from '../lib/unread';

/** Older messages load when the view is this close to the top. */
const LOAD_OLDER_PX = 300;
/** Within this distance of the end the view counts as "at the bottom" and follows new messages. */
const AT_BOTTOM_PX = 48;

export function MessageList({ roomId, data, seq }: { roomId: string; data: RoomData; seq?: number }) {
  const store = useStore();
  const me = useChat((s) => s.me);
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const anchor = useRef<{ height: number; top: number } | null>(null);
  const [showJump, setShowJump] = useState(false);
  const [target, setTarget] = useState<number | undefined>(seq);
  useEffect(() => setTarget(seq), [seq]);
  /** The seq whose surroundings were asked for, and the one whose answer came. */
  const around = useRef<number | undefined>(undefined);
  const [aroundDone, setAroundDone] = useState<number | undefined>(undefined);

  // My read position when the room opened, kept while it stays open: the
  // "new messages" line must not move as reading moves the position on.
  const mine = useChat((s) => s.rooms.find((r) => r.id === roomId));
  const readUpTo = useRef<{ seq: number | undefined } | null>(null);
  if (readUpTo.current === null && mine && data.loaded) readUpTo.current = { seq: mine.last_seq > mine.last_read_seq ? mine.last_read_seq : undefined };
  const unreadFrom = readUpTo.current?.seq;
  const jumped = useRef(false);
  const [unreadAbove, setUnreadAbove] = useState(false);
  const [unreadDismissed, setUnreadDismissed] = useState(false);

  // Thread-only replies stay in the list (seqs stay contiguous) but show in their thread.
  const items: Item[] = useMemo(() => [...data.messages.filter(inRoom), ...data.pending], [data.messages, data.pending]);
  const rows = useMemo(() => groupMessages(items, undefined, unreadFrom, me.id), [items, unreadFrom, me.id]);
  const lastKey = items.length ? itemKey(items[items.length - 1]) : '';
  const firstSeq = data.messages[0]?.seq;

  const loadOlder = useCallback(() => {
    const el = scroller.current;
    if (!el || !data.hasOlder || data.loadingOlder) return;
    anchor.current = { height: el.scrollHeight, top: el.scrollTop };
    void store.loadOlder(roomId).then((ok) => {
      if (!ok) anchor.current = null;
    });
  }, [store, roomId, data.hasOlder, data.loadingOlder]);

  // Older messages went in above: keep what the user was looking at in place.
  useLayoutEffect(() => {
    const el = scroller.current;
    const a = anchor.current;
    if (!el || !a) return;
    anchor.current = null;
    el.scrollTop = a.top + (el.scrollHeight - a.height);
  }, [firstSeq]);

  // New messages at the end: follow them only if the user was at the bottom
  // (or just sent one); otherwise offer a jump button.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el || target !== undefined) return;
    // Just sent (still pending): not my older messages that a newer page brought in.
    const byMe = items.length > 0 && items[items.length - 1].seq === undefined;
    if (atBottom.current || byMe) {
      el.scrollTop = el.scrollHeight;
      atBottom.current = true;
      setShowJump(false);
    } else if (lastKey) {
      setShowJump(true);
    }
    // Opening a room with more unread than fits: start at the first unread.
    const line = el.querySelector<HTMLElement>('.unread-divider');
    if (!jumped.current && line && data.loaded) {
      jumped.current = true;
      const top = line.getBoundingClientRect().top - el.getBoundingClientRect().top;
      if (top < 0) {
        el.scrollTop += top - 8;
        atBottom.current = false;
        setShowJump(true);
      }
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [lastKey, data.loaded, unreadFrom]);

  // Is the first unread above the view (or in a page not loaded)? Measured after each render of the rows and on scroll.
  const measureUnread = useCallback(() => {
    const el = scroller.current;
    if (!el) return;
    const line = el.querySelector<HTMLElement>('.unread-divider');
    const place = unreadPlace({ readUpTo: unreadFrom, firstSeq, hasOlder: data.hasOlder, dividerBottom: line?.getBoundingClientRect().bottom, viewTop: el.getBoundingClientRect().top });
    setUnreadAbove(place === 'above' || place === 'older');
  }, [unreadFrom, firstSeq, data.hasOlder]);
  useLayoutEffect(measureUnread, [measureUnread, rows]);

  // A deep link (#seq-N, a search result, a mention): show the message if
  // it is loaded, else load the messages around it (a window) and show it.
  useLayoutEffect(() => {
    if (target === undefined || !data.loaded) return;
    const el = document.getElementById('seq-' + target);
    if (el) {
      el.scrollIntoView({ block: 'center' });
      el.classList.add('flash');
      el.focus({ preventScroll: true });
      atBottom.current = false;
      around.current = undefined;
      setTarget(undefined);
      return;
    }
    if (around.current !== target) {
      around.current = target;
      void store.loadAround(roomId, target).then(() => setAroundDone(target));
    } else if (aroundDone === target) {
      around.current = undefined;
      setTarget(undefined); // not in the timeline (deleted for good, or never there)
    }
  }, [target, data.loaded, firstSeq, lastKey, aroundDone, store, roomId]);

  // Fill a tall screen: keep loading while there is no scrollbar.
  useEffect(() => {
    const el = scroller.current;
    if (!el || !data.loaded || el.scrollHeight > el.clientHeight + LOAD_OLDER_PX) return;
    if (data.hasOlder && !data.loadingOlder) loadOlder();
    else if (data.hasNewer && !data.loadingNewer) void store.loadNewer(roomId);
  }, [data.loaded, data.hasOlder, data.loadingOlder, data.hasNewer, data.loadingNewer, firstSeq, lastKey, loadOlder, store, roomId]);

  // Reading: at the bottom of a visible page, everything is read.
  // (My rooms may arrive after the messages: membership is a dependency.)
  const member = useChat((s) => s.rooms.some((r) => r.id === roomId));
  useEffect(() => {
    const mark = () => {
      if (atBottom.current && document.visibilityState === 'visible') store.markRead(roomId);
    };
    mark();
    document.addEventListener('visibilitychange', mark);
    return () => document.removeEventListener('visibilitychange', mark);
  }, [store, roomId, lastKey, member]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    const near = el.scrollHeight - el.scrollTop - el.clientHeight;
    // A window (after a jump) reaches the end only once its newer pages are in.
    if (data.hasNewer && near < LOAD_OLDER_PX) void store.loadNewer(roomId);
    const bottom = near < AT_BOTTOM_PX && !data.hasNewer;
    if (bottom !== atBottom.current) {
      atBottom.current = bottom;
      if (bottom) {
        setShowJump(false);
        store.markRead(roomId);
      }
    }
    if (el.scrollTop < LOAD_OLDER_PX) loadOlder();
    measureUnread();
  };

  // To the "New messages" line; a first unread not loaded yet is reached like a deep link.
  const jumpToUnread = () => {
    const el = scroller.current;
    if (!el || unreadFrom === undefined) return;
    if (data.hasOlder && firstSeq !== undefined && firstSeq > unreadFrom + 1) {
      setTarget(unreadFrom + 1);
      return;
    }
    const line = el.querySelector<HTMLElement>('.unread-divider');
    if (!line) return;
    el.scrollTop += line.getBoundingClientRect().top - el.getBoundingClientRect().top - 8;
    atBottom.current = false;
    el.focus({ preventScroll: true }); // the keyboard reads on from there
    measureUnread();
  };

  // The bar goes; focus on it would fall to the page: it moves to the list.
  const dismissUnread = () => {
    setUnreadDismissed(true);
    scroller.current?.focus({ preventScroll: true });
  };

  const jump = () => {
    const toEnd = () => {
      const el = scroller.current;
      if (el) el.scrollTop = el.scrollHeight;
      atBottom.current = true;
      setShowJump(false);
      store.markRead(roomId);
    };
    if (data.hasNewer) void store.toLatest(roomId).then(toEnd);
    else toEnd();
  };

  return (
    <div className="messages-wrap">
      {unreadAbove && !unreadDismissed && <UnreadBar onJump={jumpToUnread} onDismiss={dismissUnread} />}
      <div className="messages" ref={scroller} onScroll={onScroll} role="log" aria-label={t.messages} aria-live="off" tabIndex={0}>
        <div className="history-edge">
          {data.loadingOlder ? (
            <span className="muted">{t.loadingOlder}</span>
          ) : data.loaded && !data.hasOlder ? (
            <span className="muted">{t.beginningOfRoom}</span>
          ) : null}
        </div>
        {!data.loaded && !data.error && <div className="muted pad center">{t.loadingMessages}</div>}
        {data.error && <div className="form-error pad" role="alert">{data.error}</div>}
        {data.loaded && items.length === 0 && <div className="muted pad center">{t.noMessagesYet}</div>}
        {rows.map((r) => (
          <RowView key={r.key} row={r} me={me.username} roomId={roomId} />
        ))}
        {data.loadingNewer && <div className="muted pad center">{t.loadingNewer}</div>}
      </div>
      {(showJump || data.hasNewer) && (
        <button className="jump btn primary" onClick={jump}>
          <Down /> {data.hasNewer ? t.jumpToLatest : t.newMessages}
        </button>
      )}
    </div>
  );
}

const RowView = memo(function RowView({ row, me, roomId }: { row: Row; me: string; roomId: string }) {
  const store = useStore();
  const openDM = async (userId: string) => {
    try {
      const r = await store.openDM([userId]);
      navigate(roomPath(r.id));
    } catch {
      // Nothing to show in a message row; the person can use New direct message.
    }
  };
  if (row.kind === 'unread')
    return (
      <div className="unread-divider" role="separator" aria-label={t.newMessages}>
        <span>{t.newMessages}</span>
      </div>
    );
  if (row.kind === 'day')
    return (
      <div className="day" role="separator" aria-label={row.label}>
        <span>{row.label}</span>
      </div>
    );
  return (
    <div className="group">
      <Avatar user={row.author} />
      <div className="group-main">
        <div className="group-head">
          {row.author.username === me ? (
            <strong className="author">{displayName(row.author)}</strong>
          ) : (
            <button type="button" className="author author-btn" aria-label={t.sendDirectMessage(displayName(row.author))} title={t.sendDirectMessage(displayName(row.author))} onClick={() => void openDM(row.author.id)}>
              {displayName(row.author)}
            </button>
          )}
          {row.author.display_name && <span className="muted handle">@{row.author.username}</span>}
          <time dateTime={row.first.toISOString()} className="muted">{timeLabel(row.first)}</time>
        </div>
        {row.items.map((m) => (
          <MessageItem key={itemKey(m)} m={m} roomId={roomId} me={me} />
        ))}
      </div>
    </div>
  );
});

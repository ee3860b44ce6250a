import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useChat, useStore } from '../app/hooks';
import { membersPath, navigate } from '../app/router';
import type { RoomData } from '../app/store';
import { errorText } from '../lib/api';
import { roomLabel, roomTitle } from '../lib/rooms';
import { t } from '../lib/strings';
import type { Room, UserRef } from '../lib/types';
import { Avatar, displayName } from './Avatar';
import { Composer } from './Composer';
import { Chat, Hash, Lock, Users } from './Icons';
import { MessageList } from './MessageList';
import { MuteButton } from './MuteButton';
import { SearchButton } from './SearchDialog';
import { DropHint, useFileDrop } from './AttachmentTray';
import { ThreadPanel } from './ThreadPanel';

const noData: RoomData = { messages: [], pending: [], hasOlder: false, loaded: false, loadingOlder: false };
const noUsers: UserRef[] = [];

export function typingText(users: UserRef[]): string {
  const names = users.map(displayName);
  if (names.length === 0) return '';
  if (names.length === 1) return t.typingOne(names[0]);
  if (names.length === 2) return t.typingTwo(names[0], names[1]);
  return t.typingMany;
}

export function RoomIcon({ room }: { room: Room | undefined }) {
  if (room?.visibility === 'private') return <Lock />;
  if (room?.visibility === 'direct') return <Chat />;
  return <Hash />;
}

/** NotFound: a missing room and a private one I am not in look the same. */
export function NotFound({ menu }: { menu: ReactNode }) {
  return (
    <section className="main" aria-labelledby="not-found-title">
      <header className="room-header">{menu}</header>
      <div className="empty-state" role="alert">
        <h1 id="not-found-title">{t.roomNotFound}</h1>
        <p className="muted">{t.roomNotFoundHint}</p>
        <button className="btn" onClick={() => navigate('/')}>{t.backHome}</button>
      </div>
    </section>
  );
}

export function RoomView({ roomId, seq, menu }: { roomId: string; seq?: number; menu: ReactNode }) {
  const store = useStore();
  const mine = useChat((s) => s.rooms.find((r) => r.id === roomId));
  const preview = useChat((s) => s.previews[roomId]);
  const roomsLoaded = useChat((s) => s.roomsLoaded);
  const room: Room | undefined = mine ?? (preview === 'missing' ? undefined : preview);
  const data = useChat((s) => s.data[roomId] ?? noData);
  const online = useChat((s) => s.presence[roomId]?.online ?? noUsers);
  const count = useChat((s) => s.presence[roomId]?.count ?? 0);
  const presenceKnown = useChat((s) => s.presence[roomId] !== undefined);
  const typing = useChat((s) => s.typing[roomId]);
  const thread = useChat((s) => (s.thread?.roomId === roomId ? s.thread.seq : undefined));
  const [showOnline, setShowOnline] = useState(false);
  const popRef = useRef<HTMLDivElement>(null);
  const chipRef = useRef<HTMLButtonElement>(null);
  const dialogRef = useRef<HTMLDivElement>(null);
  const wasOpen = useRef(false);
  const drop = useFileDrop(roomId, !!mine);

  // Focus moves into the list when it opens and back to its button when it closes.
  useEffect(() => {
    if (showOnline) dialogRef.current?.focus();
    else if (wasOpen.current && popRef.current?.contains(document.activeElement ?? null)) chipRef.current?.focus();
    else if (wasOpen.current && document.activeElement === document.body) chipRef.current?.focus();
    wasOpen.current = showOnline;
  }, [showOnline]);

  useEffect(() => {
    if (roomsLoaded && !mine) void store.loadPreview(roomId);
  }, [store, roomId, roomsLoaded, mine]);

  useEffect(() => {
    store.setPageTitle(room ? `${roomLabel(room)} · OpenChat` : 'OpenChat');
    return () => store.setPageTitle('OpenChat');
  }, [store, room]);

  useEffect(() => {
    if (!showOnline) return;
    const close = (e: MouseEvent | KeyboardEvent) => {
      if (e instanceof KeyboardEvent ? e.key === 'Escape' : !popRef.current?.contains(e.target as Node)) setShowOnline(false);
    };
    window.addEventListener('mousedown', close);
    window.addEventListener('keydown', close);
    return () => {
      window.removeEventListener('mousedown', close);
      window.removeEventListener('keydown', close);
    };
  }, [showOnline]);

  if (!mine && preview === 'missing') return <NotFound menu={menu} />;

  const typers = typing ? Object.values(typing).map((t) => t.user) : [];
  return (
    <section className={'main' + (thread !== undefined ? ' with-thread' : '') + (drop.over ? ' drop-target' : '')} aria-labelledby="room-title" {...drop.props}>
      {drop.over && <DropHint />}
      <header className="room-header">
        {menu}
        <div className="room-title">
          <h1 id="room-title">
            <RoomIcon room={room} />
            {room ? roomTitle(room) : '…'}
            {room?.visibility === 'private' && <span className="sr-only">({t.privateRoom})</span>}
          </h1>
          {room?.topic && <p className="topic muted">{room.topic}</p>}
        </div>
        <div className="presence" ref={popRef} hidden={!presenceKnown}>
          <button ref={chipRef} className="chip" aria-expanded={showOnline} aria-controls="online-list" onClick={() => setShowOnline(!showOnline)}>
            <span className="dot online" aria-hidden="true" />
            <Users />
            <span>
              {count} <span className="hide-phone">{t.online}</span>
            </span>
            <span className="sr-only"> {t.peopleOnlineShow}</span>
          </button>
          {showOnline && (
            <div id="online-list" ref={dialogRef} tabIndex={-1} className="popover" role="dialog" aria-label={t.onlineInRoom}>
              <h2>{t.onlineNow}</h2>
              <ul>
                {online.map((u) => (
                  <li key={u.id}>
                    <Avatar user={u} size={24} /> <span>{displayName(u)}</span> <span className="muted">@{u.username}</span>
                  </li>
                ))}
                {online.length === 0 && <li className="muted">{t.nobodyElse}</li>}
              </ul>
            </div>
          )}
        </div>
        <SearchButton />
        {mine && <MuteButton roomId={roomId} />}
        {mine && (
          <a href={membersPath(roomId)} className="icon-btn" aria-label={t.showMembers} title={t.members} onClick={(e) => (e.preventDefault(), navigate(membersPath(roomId)))}>
            <Users />
          </a>
        )}
      </header>
      <MessageList roomId={roomId} data={data} seq={seq} />
      <div className="typing muted" aria-hidden={typers.length === 0}>
        {typingText(typers)}
      </div>
      {room?.archived_at ? (
        <p className="notice" role="status">
          {t.roomArchivedNotice}
        </p>
      ) : mine || !roomsLoaded ? (
        <Composer roomId={roomId} label={room ? roomLabel(room) : ''} />
      ) : room ? (
        <JoinBar room={room} />
      ) : null}
      {thread !== undefined && <ThreadPanel key={thread} roomId={roomId} seq={thread} />}
    </section>
  );
}

/** JoinBar stands in for the composer in a public room I only read. */
function JoinBar({ room }: { room: Room }) {
  const store = useStore();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  async function join() {
    setBusy(true);
    setError('');
    try {
      await store.joinRoom(room);
    } catch (e) {
      setError(errorText(e, t.couldNotLoad));
    } finally {
      setBusy(false);
    }
  }
  return (
    <div className="join-bar">
      <p className="muted">{t.previewing(room.name)}</p>
      <button className="btn primary" disabled={busy} onClick={() => void join()}>
        {t.joinRoom(room.name)}
      </button>
      {error && <p className="form-error" role="alert">{error}</p>}
    </div>
  );
}

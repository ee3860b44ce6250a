import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useChat } from '../app/hooks';
import type { RoomData } from '../app/store';
import type { UserRef } from '../lib/types';
import { Avatar, displayName } from './Avatar';
import { Composer } from './Composer';
import { Hash, Users } from './Icons';
import { MessageList } from './MessageList';

const noData: RoomData = { messages: [], pending: [], hasOlder: false, loaded: false, loadingOlder: false };
const noUsers: UserRef[] = [];

export function typingText(users: UserRef[]): string {
  const names = users.map(displayName);
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return 'Several people are typing…';
}

export function RoomView({ roomId, seq, menu }: { roomId: string; seq?: number; menu: ReactNode }) {
  const room = useChat((s) => s.rooms.find((r) => r.id === roomId));
  const roomsLoaded = useChat((s) => s.rooms.length > 0);
  const data = useChat((s) => s.data[roomId] ?? noData);
  const online = useChat((s) => s.presence[roomId]?.online ?? noUsers);
  const count = useChat((s) => s.presence[roomId]?.count ?? 0);
  const typing = useChat((s) => s.typing[roomId]);
  const [showOnline, setShowOnline] = useState(false);
  const popRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    document.title = room ? `#${room.name} · OpenChat` : 'OpenChat';
    return () => {
      document.title = 'OpenChat';
    };
  }, [room]);

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

  if (!room && roomsLoaded && data.error)
    return (
      <section className="main">
        <header className="room-header">{menu}</header>
        <p className="pad form-error" role="alert">This room does not exist.</p>
      </section>
    );

  const typers = typing ? Object.values(typing).map((t) => t.user) : [];
  return (
    <section className="main" aria-labelledby="room-title">
      <header className="room-header">
        {menu}
        <div className="room-title">
          <h2 id="room-title">
            <Hash />
            {room?.name ?? '…'}
          </h2>
          {room?.topic && <p className="topic muted">{room.topic}</p>}
        </div>
        <div className="presence" ref={popRef}>
          <button className="chip" aria-expanded={showOnline} aria-controls="online-list" onClick={() => setShowOnline(!showOnline)}>
            <span className="dot online" aria-hidden="true" />
            <Users />
            <span>
              {count} <span className="hide-phone">online</span>
            </span>
            <span className="sr-only"> people online, show list</span>
          </button>
          {showOnline && (
            <div id="online-list" className="popover" role="dialog" aria-label="Online in this room">
              <h3>Online now</h3>
              <ul>
                {online.map((u) => (
                  <li key={u.id}>
                    <Avatar user={u} size={24} /> <span>{displayName(u)}</span> <span className="muted">@{u.username}</span>
                  </li>
                ))}
                {online.length === 0 && <li className="muted">Nobody else right now.</li>}
              </ul>
            </div>
          )}
        </div>
      </header>
      <MessageList roomId={roomId} data={data} seq={seq} />
      <div className="typing muted" aria-hidden={typers.length === 0}>
        {typingText(typers)}
      </div>
      <Composer roomId={roomId} roomName={room?.name ?? ''} />
    </section>
  );
}

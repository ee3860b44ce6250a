import { useState, type ReactNode } from 'react';
import { useChat } from '../app/hooks';
import { navigate, roomPath, type Route } from '../app/router';
import { groupRooms, roomTitle } from '../lib/rooms';
import { t } from '../lib/strings';
import type { MyRoom } from '../lib/types';
import { Avatar, displayName } from './Avatar';
import { CreateRoom } from './CreateRoom';
import { openSearch } from './SearchDialog';
import { At, Chat, Close, Compass, Gear, Hash, Lock, Logo, Plus, Search } from './Icons';

export function ConnBadge() {
  const conn = useChat((s) => s.conn);
  const connLabel = t.conn;
  return (
    <span className={'conn conn-' + conn} role="status" aria-label={t.connection(connLabel[conn])} title={connLabel[conn]}>
      <span className="dot" aria-hidden="true" />
      <span className="conn-text">{connLabel[conn]}</span>
    </span>
  );
}

/** creating: the new-room form is open (the start page's button opens it too). */
export function Sidebar({ route, onClose, creating, setCreating }: { route: Route; onClose: () => void; creating: boolean; setCreating: (open: boolean) => void }) {
  const rooms = useChat((s) => s.rooms);
  const loaded = useChat((s) => s.roomsLoaded);
  const me = useChat((s) => s.me);
  const [filter, setFilter] = useState('');
  const g = groupRooms(rooms, filter);
  const current = route.view === 'room' || route.view === 'members' ? route.roomId : null;
  const filtering = filter.trim() !== '';
  const nav = (path: string, view: Route['view'], label: string, icon: ReactNode) => (
    <a href={path} className={'nav-link' + (route.view === view ? ' active' : '')} aria-current={route.view === view ? 'page' : undefined} onClick={(e) => (e.preventDefault(), navigate(path))}>
      {icon} {label}
    </a>
  );

  return (
    <nav id="sidebar" className="sidebar" aria-label={t.roomsAndNavigation}>
      <div className="sidebar-head">
        <div className="brand">
          <Logo />
          <span>OpenChat</span>
        </div>
        <ConnBadge />
        <button className="icon-btn only-phone" aria-label={t.closeRoomList} onClick={onClose}>
          <Close />
        </button>
      </div>
      <div className="nav-links">
        <button type="button" className="nav-link search-link" aria-haspopup="dialog" onClick={openSearch}>
          <Search /> {t.searchMessages} <kbd aria-hidden="true">Ctrl K</kbd>
        </button>
        {nav('/mentions', 'mentions', t.mentions, <At />)}
        {nav('/browse', 'browse', t.browseRooms, <Compass />)}
        {nav('/settings', 'settings', t.settings, <Gear />)}
        {(me.admin || rooms.some((r) => r.role === 'owner' || r.role === 'moderator')) && nav('/admin', 'admin', me.admin ? t.admin : t.moderation, <Gear />)}
      </div>
      <div className="filter">
        <Search />
        <label htmlFor="room-filter" className="sr-only">{t.filterLabel}</label>
        <input id="room-filter" type="search" placeholder={t.filterLabel} value={filter} onChange={(e) => setFilter(e.target.value)} />
      </div>
      <div className="sidebar-scroll">
        <section aria-labelledby="rooms-title">
          <div className="rooms-head">
            <h2 id="rooms-title">{t.rooms}</h2>
            <button className="icon-btn" aria-label={t.createRoom} aria-expanded={creating} aria-controls={creating ? 'create-room' : undefined} onClick={() => setCreating(!creating)}>
              <Plus />
            </button>
          </div>
          {creating && <CreateRoom onDone={() => setCreating(false)} />}
          <ul className="room-list" aria-labelledby="rooms-title">
            {g.rooms.map((r) => (
              <RoomItem key={r.id} room={r} current={r.id === current} />
            ))}
            {loaded && g.rooms.length === 0 && <li className="muted pad-s">{filtering ? t.noMatch : t.noRoomsYet}</li>}
          </ul>
        </section>
        <section aria-labelledby="dms-title">
          <div className="rooms-head">
            <h2 id="dms-title">{t.directMessages}</h2>
            <a href="/messages/new" className="icon-btn" aria-label={t.newDirectMessage} title={t.newDirectMessage} onClick={(e) => (e.preventDefault(), navigate('/messages/new'))}>
              <Plus />
            </a>
          </div>
          <ul className="room-list" aria-labelledby="dms-title">
            {g.dms.map((r) => (
              <RoomItem key={r.id} room={r} current={r.id === current} />
            ))}
            {loaded && g.dms.length === 0 && <li className="muted pad-s">{filtering ? t.noMatch : t.noDirectMessages}</li>}
          </ul>
        </section>
      </div>
      <div className="me-card">
        <Avatar user={me} size={28} />
        <div className="me-names">
          <strong>{displayName(me)}</strong>
          <span className="muted">@{me.username}</span>
        </div>
      </div>
    </nav>
  );
}

function RoomIcon({ room }: { room: MyRoom }) {
  if (room.visibility === 'private') return <Lock />;
  if (room.visibility !== 'direct') return <Hash />;
  const m = room.members ?? [];
  return m.length === 1 ? <Avatar user={m[0]} size={20} /> : <Chat />;
}

function RoomItem({ room, current }: { room: MyRoom; current: boolean }) {
  // The open room counts as read: the conversation marks it as you see it.
  const n = current ? 0 : room.unread;
  const mentions = current ? 0 : room.unread_mentions;
  const href = roomPath(room.id);
  return (
    <li>
      <a
        href={href}
        className={'room-link' + (current ? ' active' : '') + (n ? ' unread' : '')}
        aria-current={current ? 'page' : undefined}
        onClick={(e) => (e.preventDefault(), navigate(href))}
      >
        <RoomIcon room={room} />
        <span className="room-name">{roomTitle(room)}</span>
        {room.visibility === 'private' && <span className="sr-only">({t.privateRoom})</span>}
        {mentions > 0 && (
          <span className="badge mention-badge" aria-hidden="true">
            @{mentions > 99 ? '99+' : mentions}
          </span>
        )}
        {n > 0 && (
          <span className="badge" aria-hidden="true">
            {n > 99 ? '99+' : n}
          </span>
        )}
        {n > 0 && <span className="sr-only">({t.unread(n, mentions)})</span>}
      </a>
    </li>
  );
}

import { useState, type FormEvent } from 'react';
import { useChat, useStore } from '../app/hooks';
import { navigate, type Route } from '../app/router';
import { ApiError } from '../lib/api';
import { unreadCount } from '../lib/readstate';
import type { ConnState } from '../lib/types';
import { Avatar, displayName } from './Avatar';
import { At, Close, Gear, Hash, Logo, Plus, Search } from './Icons';

const connLabel: Record<ConnState, string> = {
  connecting: 'Connecting…',
  online: 'Connected',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
};

export function ConnBadge() {
  const conn = useChat((s) => s.conn);
  return (
    <span className={'conn conn-' + conn} role="status" aria-label={'Connection: ' + connLabel[conn]} title={connLabel[conn]}>
      <span className="dot" aria-hidden="true" />
      <span className="conn-text">{connLabel[conn]}</span>
    </span>
  );
}

export function Sidebar({ route, onClose }: { route: Route; onClose: () => void }) {
  const rooms = useChat((s) => s.rooms);
  const lastSeq = useChat((s) => s.lastSeq);
  const read = useChat((s) => s.read);
  const me = useChat((s) => s.me);
  const [filter, setFilter] = useState('');
  const [creating, setCreating] = useState(false);
  const f = filter.trim().toLowerCase();
  const shown = f ? rooms.filter((r) => r.name.toLowerCase().includes(f) || r.topic.toLowerCase().includes(f)) : rooms;
  const current = route.view === 'room' ? route.roomId : null;

  return (
    <nav id="sidebar" className="sidebar" aria-label="Rooms and navigation">
      <div className="sidebar-head">
        <div className="brand">
          <Logo />
          <span>OpenChat</span>
        </div>
        <ConnBadge />
        <button className="icon-btn only-phone" aria-label="Close room list" onClick={onClose}>
          <Close />
        </button>
      </div>
      <div className="nav-links">
        <a href="/mentions" className={'nav-link' + (route.view === 'mentions' ? ' active' : '')} aria-current={route.view === 'mentions' ? 'page' : undefined} onClick={(e) => (e.preventDefault(), navigate('/mentions'))}>
          <At /> Mentions
        </a>
        <a href="/settings" className={'nav-link' + (route.view === 'settings' ? ' active' : '')} aria-current={route.view === 'settings' ? 'page' : undefined} onClick={(e) => (e.preventDefault(), navigate('/settings'))}>
          <Gear /> Settings
        </a>
      </div>
      <div className="rooms-head">
        <h2 id="rooms-title">Rooms</h2>
        <button className="icon-btn" aria-label="Create room" aria-expanded={creating} onClick={() => setCreating(!creating)}>
          <Plus />
        </button>
      </div>
      {creating && <CreateRoom onDone={() => setCreating(false)} />}
      <div className="filter">
        <Search />
        <label htmlFor="room-filter" className="sr-only">Filter rooms</label>
        <input id="room-filter" type="search" placeholder="Filter rooms" value={filter} onChange={(e) => setFilter(e.target.value)} />
      </div>
      <ul className="room-list" aria-labelledby="rooms-title">
        {shown.map((r) => {
          const n = r.id === current ? 0 : unreadCount(lastSeq[r.id], read[r.id]);
          return (
            <li key={r.id}>
              <a
                href={'/rooms/' + r.id}
                className={'room-link' + (r.id === current ? ' active' : '') + (n ? ' unread' : '')}
                aria-current={r.id === current ? 'page' : undefined}
                onClick={(e) => (e.preventDefault(), navigate('/rooms/' + r.id))}
              >
                <Hash />
                <span className="room-name">{r.name}</span>
                {n > 0 && (
                  <span className="badge" aria-label={n + ' unread'}>
                    {n > 99 ? '99+' : n}
                  </span>
                )}
              </a>
            </li>
          );
        })}
        {shown.length === 0 && <li className="muted pad">{rooms.length ? 'No room matches.' : 'No rooms yet.'}</li>}
      </ul>
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

function CreateRoom({ onDone }: { onDone: () => void }) {
  const store = useStore();
  const [name, setName] = useState('');
  const [topic, setTopic] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const room = await store.createRoom(name.trim(), topic.trim());
      onDone();
      navigate('/rooms/' + room.id);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not create the room.');
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="create-room" onSubmit={submit} aria-label="Create room">
      <label htmlFor="new-room-name">Room name</label>
      <input id="new-room-name" value={name} onChange={(e) => setName(e.target.value)} maxLength={64} required autoFocus />
      <label htmlFor="new-room-topic">
        Topic <span className="muted">(optional)</span>
      </label>
      <input id="new-room-topic" value={topic} onChange={(e) => setTopic(e.target.value)} maxLength={256} />
      {error && <p className="form-error" role="alert">{error}</p>}
      <div className="row">
        <button type="button" className="btn" onClick={onDone}>Cancel</button>
        <button type="submit" className="btn primary" disabled={busy || !name.trim()}>Create</button>
      </div>
    </form>
  );
}

import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { useChat, useStore } from '../app/hooks';
import { navigate, roomPath } from '../app/router';
import { errorText } from '../lib/api';
import { canModerate, roomLabel } from '../lib/rooms';
import { t } from '../lib/strings';
import type { Member, Role, UserRef } from '../lib/types';
import { Avatar, displayName } from './Avatar';
import { Back, Exit } from './Icons';
import { PeopleSearch } from './PeopleSearch';
import { NotFound, RoomIcon } from './RoomView';
import { PageHeader } from './PageHeader';
import { RoomSettings } from './RoomSettings';

const PAGE = 50;
const roles: Role[] = ['member', 'moderator', 'owner'];

/**
 * MembersView lists a room's members a page at a time. Owners and
 * moderators invite and remove (a moderator only plain members), the owner
 * changes roles; everyone may leave. A direct room has none of these but
 * leaving: its people are fixed.
 */
export function MembersView({ roomId, menu }: { roomId: string; menu: ReactNode }) {
  const store = useStore();
  const room = useChat((s) => s.rooms.find((r) => r.id === roomId));
  const loaded = useChat((s) => s.roomsLoaded);
  const meId = useChat((s) => s.me.id);
  const [members, setMembers] = useState<Member[]>([]);
  const [cursor, setCursor] = useState('');
  const [state, setState] = useState<'loading' | 'idle' | 'error'>('loading');
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState('');
  const mod = canModerate(room);
  // Only the owner changes roles; making someone owner hands the room over.
  const owner = room?.role === 'owner' && room.visibility !== 'direct';

  const load = useCallback(
    async (after: string) => {
      setState('loading');
      try {
        const page = await store.api.members(roomId, { cursor: after, limit: PAGE });
        setMembers((cur) => (after ? [...cur, ...page.members.filter((m) => !cur.some((c) => c.user.id === m.user.id))] : page.members));
        setCursor(page.next_cursor);
        setState('idle');
      } catch {
        setState('error');
      }
    },
    [store, roomId],
  );
  useEffect(() => {
    if (room) void load('');
  }, [load, !!room]); // eslint-disable-line react-hooks/exhaustive-deps

  /** act runs one change and reports it; on success the list is reloaded from the start. */
  async function act(key: string, f: () => Promise<unknown>, done: string) {
    setBusy(key);
    setStatus(null);
    try {
      await f();
      setStatus({ ok: true, text: done });
      if (key !== 'leave') await load('');
      if (key.startsWith('role:')) void store.loadRooms(); // my own role may have changed
    } catch (e) {
      setStatus({ ok: false, text: errorText(e, t.couldNotLoad) });
    } finally {
      setBusy('');
    }
  }

  async function message(u: UserRef) {
    setStatus(null);
    try {
      const r = await store.openDM([u.id]);
      navigate(roomPath(r.id));
    } catch (e) {
      setStatus({ ok: false, text: errorText(e, t.couldNotLoad) });
    }
  }

  if (!room) return loaded ? <NotFound menu={menu} /> : <section className="main" aria-busy="true" />;
  const label = roomLabel(room);
  const inRoom = new Set(members.map((m) => m.user.id));
  return (
    <section className="main" aria-labelledby="members-title">
      <PageHeader
        menu={menu}
        before={
          <a href={roomPath(roomId)} className="icon-btn" aria-label={t.backToRoom} title={t.backToRoom} onClick={(e) => (e.preventDefault(), navigate(roomPath(roomId)))}>
            <Back />
          </a>
        }
        id="members-title"
        icon={<RoomIcon room={room} />}
        title={t.membersOf(label)}
        subtitle={t.role[room.role]}
      />
      <div className="page-scroll">
        <div className="narrow">
          <p role="status" className={status ? (status.ok ? 'ok' : 'form-error') : 'sr-only'}>
            {status?.text}
          </p>
          {mod && !room.archived_at && <RoomSettings room={room} />}
          {mod && (
            <section className="card" aria-labelledby="invite-title">
              <h2 id="invite-title">{t.invitePeople}</h2>
              <PeopleSearch
                action={{
                  text: () => t.invite,
                  label: (u) => t.inviteUser(displayName(u)),
                  disabled: (u) => (inRoom.has(u.id) ? t.alreadyMember : busy === 'add:' + u.id ? t.loading : ''),
                  run: (u) => void act('add:' + u.id, () => store.api.addMember(roomId, u.id), t.invited(displayName(u))),
                }}
              />
            </section>
          )}
          <section className="card" aria-labelledby="member-list-title">
            <h2 id="member-list-title">{t.members}</h2>
            <ul className="people">
              {members.map((m) => {
                const self = m.user.id === meId;
                const name = displayName(m.user);
                return (
                  <li key={m.user.id} className="person">
                    <Avatar user={m.user} size={28} />
                    <span className="person-names">
                      <strong>{name}</strong> {self && <span className="muted">{t.you}</span>} <span className="muted">@{m.user.username}</span>
                      {m.deactivated && <span className="badge danger">{t.deactivated}</span>}
                    </span>
                    {owner && !self ? (
                      <select
                        className="role-select"
                        aria-label={t.roleOf(name)}
                        value={m.role}
                        disabled={busy === 'role:' + m.user.id}
                        onChange={(e) => {
                          const role = e.target.value as Role;
                          void act('role:' + m.user.id, () => store.api.setRole(roomId, m.user.id, role), t.roleChanged(name, t.role[role]));
                        }}
                      >
                        {roles.map((r) => (
                          <option key={r} value={r}>
                            {t.role[r]}
                          </option>
                        ))}
                      </select>
                    ) : (
                      <span className={'role role-' + m.role}>{t.role[m.role]}</span>
                    )}
                    {!self && (
                      <button type="button" className="btn small" aria-label={t.sendDirectMessage(name)} onClick={() => void message(m.user)}>
                        {t.message}
                      </button>
                    )}
                    {mod && !self && (owner || m.role === 'member') && (
                      <button
                        type="button"
                        className="btn small danger"
                        aria-label={t.removeMember(name)}
                        disabled={busy === 'rm:' + m.user.id}
                        onClick={() => void act('rm:' + m.user.id, () => store.api.removeMember(roomId, m.user.id), t.removedMember(name))}
                      >
                        {t.remove}
                      </button>
                    )}
                  </li>
                );
              })}
            </ul>
            {state === 'loading' && <p className="muted center">{t.loading}</p>}
            {state === 'error' && <p className="form-error" role="alert">{t.couldNotLoad}</p>}
            {cursor && state === 'idle' && (
              <div className="center pad">
                <button className="btn" onClick={() => void load(cursor)}>
                  {t.loadMore}
                </button>
              </div>
            )}
          </section>
          <section className="card">
            <button type="button" className="btn danger" disabled={busy === 'leave'} onClick={() => void act('leave', () => store.leaveRoom(roomId), t.leftRoom(label))}>
              <Exit /> {room.visibility === 'direct' ? t.leaveConversation : t.leaveRoom}
            </button>
          </section>
        </div>
      </div>
    </section>
  );
}

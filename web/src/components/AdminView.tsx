import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { useChat, useStore } from '../app/hooks';
import { errorText } from '../lib/api';
import { formatDateTime, t } from '../lib/strings';
import type { AuditEntry, Room, User } from '../lib/types';
import { ConfirmDialog } from './ConfirmDialog';
import { Gear } from './Icons';
import { PageHeader } from './PageHeader';
import { ReportsPanel } from './ReportsPanel';

type Tab = 'users' | 'rooms' | 'reports' | 'audit';

/**
 * AdminView is the admin area: users, rooms, the reports queue and the
 * audit log for server admins; only the reports queue for owners and
 * moderators of rooms (the server decides what each may see and do).
 */
export function AdminView({ menu }: { menu: ReactNode }) {
  const me = useChat((s) => s.me);
  const tabs: Tab[] = me.admin ? ['users', 'rooms', 'reports', 'audit'] : ['reports'];
  const [tab, setTab] = useState<Tab>(tabs[0]);
  const label: Record<Tab, string> = { users: t.tabUsers, rooms: t.tabRooms, reports: t.tabReports, audit: t.tabAudit };
  return (
    <section className="main" aria-labelledby="admin-title">
      <PageHeader menu={menu} id="admin-title" icon={<Gear />} title={me.admin ? t.admin : t.moderation} subtitle={me.admin ? t.adminSubtitle : t.moderationSubtitle} />
      <div className="page-scroll admin">
        {tabs.length > 1 && (
          <div className="tabs" role="tablist" aria-label={t.admin}>
            {tabs.map((x) => (
              <button key={x} id={'tab-' + x} role="tab" type="button" className="tab" aria-selected={tab === x} aria-controls={'panel-' + x} onClick={() => setTab(x)}>
                {label[x]}
              </button>
            ))}
          </div>
        )}
        <div id={'panel-' + tab} role={tabs.length > 1 ? 'tabpanel' : undefined} aria-labelledby={tabs.length > 1 ? 'tab-' + tab : undefined}>
          {tab === 'users' && <UsersPanel />}
          {tab === 'rooms' && <RoomsPanel />}
          {tab === 'reports' && <ReportsPanel />}
          {tab === 'audit' && <AuditPanel />}
        </div>
      </div>
    </section>
  );
}

function useNotice() {
  const [notice, setNotice] = useState('');
  const node = notice ? (
    <p className="notice" role="status">
      {notice}
    </p>
  ) : null;
  return [node, setNotice] as const;
}

/** usePaged loads a cursor-paged list for query q, with "load more" and an act that reloads after a change. */
function usePaged<T>(fetchPage: (q: string, cursor: string) => Promise<{ items: T[]; next: string }>, q: string) {
  const [items, setItems] = useState<T[]>([]);
  const [next, setNext] = useState('');
  const [notice, setNotice] = useNotice();
  const load = useCallback(
    async (cursor = '') => {
      try {
        const r = await fetchPage(q.trim(), cursor);
        setItems((cur) => (cursor ? [...cur, ...r.items] : r.items));
        setNext(r.next);
      } catch (e) {
        setNotice(errorText(e, t.couldNotDoIt));
      }
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [q, setNotice],
  );
  useEffect(() => {
    void load();
  }, [load]);
  const act = async (f: () => Promise<unknown>, done = '') => {
    try {
      await f();
      setNotice(done);
      await load();
    } catch (e) {
      setNotice(errorText(e, t.couldNotDoIt));
    }
  };
  const more = next ? (
    <button type="button" className="btn" onClick={() => load(next)}>
      {t.loadMore}
    </button>
  ) : null;
  return { items, notice, act, more };
}

function UsersPanel() {
  const store = useStore();
  const me = useChat((s) => s.me);
  const [q, setQ] = useState('');
  const [confirm, setConfirm] = useState<User | null>(null);
  const { items: users, notice, act, more } = usePaged((q, c) => store.api.adminUsers(q, c).then((r) => ({ items: r.users, next: r.next_cursor })), q);
  return (
    <>
      <label htmlFor="admin-user-q" className="sr-only">{t.searchUsers}</label>
      <input id="admin-user-q" type="search" className="input" placeholder={t.searchUsers} value={q} onChange={(e) => setQ(e.target.value)} />
      {notice}
      <ul className="admin-list">
        {users.map((u) => (
          <li key={u.id} className="admin-row">
            <div>
              <strong>{u.display_name}</strong> <span className="muted">@{u.username}</span> {u.admin && <span className="badge">{t.admin}</span>}{' '}
              {u.deactivated_at && <span className="badge danger">{t.deactivated}</span>}
              <div className="muted small">{u.email}</div>
            </div>
            <div className="actions">
              {u.deactivated_at ? (
                <button type="button" className="btn" onClick={() => act(() => store.api.setDeactivated(u.id, false))}>
                  {t.reactivate}
                </button>
              ) : (
                u.id !== me.id && (
                  <button type="button" className="btn" onClick={() => setConfirm(u)}>
                    {t.deactivate}
                  </button>
                )
              )}
              {!u.deactivated_at && u.email && (
                <button type="button" className="btn" onClick={() => act(() => store.api.sendPasswordReset(u.id), t.resetLinkSent(u.username))}>
                  {t.sendResetLink}
                </button>
              )}
            </div>
          </li>
        ))}
      </ul>
      {more}
      {confirm && (
        <ConfirmDialog
          title={t.deactivateTitle(confirm.username)}
          body={t.deactivateBody}
          confirm={t.deactivate}
          onClose={() => setConfirm(null)}
          onConfirm={() => {
            const u = confirm;
            setConfirm(null);
            void act(() => store.api.setDeactivated(u.id, true));
          }}
        />
      )}
    </>
  );
}

function RoomsPanel() {
  const store = useStore();
  const [q, setQ] = useState('');
  const [confirm, setConfirm] = useState<Room | null>(null);
  const { items: rooms, notice, act, more } = usePaged((q, c) => store.api.adminRooms(q, c).then((r) => ({ items: r.rooms, next: r.next_cursor })), q);
  return (
    <>
      <label htmlFor="admin-room-q" className="sr-only">{t.searchRooms}</label>
      <input id="admin-room-q" type="search" className="input" placeholder={t.searchRooms} value={q} onChange={(e) => setQ(e.target.value)} />
      {notice}
      <ul className="admin-list">
        {rooms.map((r) => (
          <li key={r.id} className="admin-row">
            <div>
              <strong>#{r.name}</strong> <span className="muted">{r.visibility === 'private' ? t.privateRoom : t.publicRoom}</span>{' '}
              {r.archived_at && <span className="badge">{t.archived}</span>}
            </div>
            <div className="actions">
              <button type="button" className="btn" onClick={() => act(() => store.api.setArchived(r.id, !r.archived_at))}>
                {r.archived_at ? t.unarchive : t.archive}
              </button>
              <button type="button" className="btn danger" onClick={() => setConfirm(r)}>
                {t.deleteRoom}
              </button>
            </div>
          </li>
        ))}
      </ul>
      {more}
      {confirm && (
        <ConfirmDialog
          title={t.deleteRoomTitle(confirm.name)}
          body={t.deleteRoomBody}
          confirm={t.deleteRoom}
          onClose={() => setConfirm(null)}
          onConfirm={() => {
            const r = confirm;
            setConfirm(null);
            void act(() => store.api.deleteRoom(r.id));
          }}
        />
      )}
    </>
  );
}

function AuditPanel() {
  const store = useStore();
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [next, setNext] = useState(0);
  const [notice, setNotice] = useNotice();
  const load = useCallback(
    async (before = 0) => {
      try {
        const r = await store.api.audit(before);
        setEntries((cur) => (before ? [...cur, ...r.entries] : r.entries));
        setNext(r.next_before);
      } catch (e) {
        setNotice(errorText(e, t.couldNotDoIt));
      }
    },
    [store, setNotice],
  );
  useEffect(() => {
    void load();
  }, [load]);
  return (
    <>
      {notice}
      {entries.length === 0 && <p className="muted">{t.auditEmpty}</p>}
      <ul className="admin-list audit">
        {entries.map((e) => (
          <li key={e.id} className="admin-row">
            <div>
              <time className="muted small" dateTime={e.created_at}>
                {formatDateTime(new Date(e.created_at))}
              </time>{' '}
              <strong>{e.actor_username}</strong> <code>{e.action}</code> {e.target_type} <code className="small">{e.target_id}</code>
              {Object.keys(e.details ?? {}).length > 0 && <div className="muted small">{JSON.stringify(e.details)}</div>}
            </div>
          </li>
        ))}
      </ul>
      {next > 0 && (
        <button type="button" className="btn" onClick={() => load(next)}>
          {t.loadMore}
        </button>
      )}
    </>
  );
}

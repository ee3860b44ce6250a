import { describe, expect, it } from 'vitest';
import { OFFLINE_PAGE, OFFLINE_ROOMS_KEPT, OfflineCache } from './offline';
import type { Message, MyRoom, User } from './types';

/** A Storage over a Map, with the key(i)/length walk the cache uses to clear. */
function memory(): Storage {
  const m = new Map<string, string>();
  return {
    get length() {
      return m.size;
    },
    key: (i) => [...m.keys()][i] ?? null,
    getItem: (k) => m.get(k) ?? null,
    setItem: (k, v) => void m.set(k, String(v)),
    removeItem: (k) => void m.delete(k),
    clear: () => m.clear(),
  };
}

const ada: User = { id: 'u1', username: 'ada', display_name: 'Ada' };
const bob: User = { id: 'u2', username: 'bob', display_name: 'Bob' };
const room = (id: string): MyRoom => ({ id, name: id, topic: '', visibility: 'public', created_at: '', role: 'member', last_seq: 3, last_read_seq: 1, unread: 2, unread_mentions: 0 }) as MyRoom;
const msgs = (n: number): Message[] => Array.from({ length: n }, (_, i) => ({ id: 'm' + i, room_id: 'r1', seq: i + 1, author: ada, body: 'b', created_at: '', mentions: [] }));

describe('OfflineCache', () => {
  it('keeps the signed-in user, their rooms and the newest pages of the rooms opened last', () => {
    const s = memory();
    const c = new OfflineCache(s);
    expect(c.load()).toBeNull();
    c.signedIn(ada);
    c.saveRooms(ada, [room('r1'), room('r2')]);
    c.savePage(ada, 'r1', msgs(OFFLINE_PAGE + 10), false);
    for (let i = 0; i < OFFLINE_ROOMS_KEPT; i++) c.savePage(ada, 'x' + i, msgs(1), false);
    c.savePage(ada, 'x0', msgs(2), true); // opened again: first
    const got = new OfflineCache(s).load()!;
    expect(got.me).toEqual(ada);
    expect(got.rooms.map((r) => r.id)).toEqual(['r1', 'r2']);
    expect(got.pages.map((p) => p.roomId)).toEqual(['x0', 'x4', 'x3', 'x2', 'x1']); // r1 fell out
    expect(got.pages[0]).toMatchObject({ hasOlder: true, messages: msgs(2) });
  });

  it('trims a page to its newest messages and says older ones exist', () => {
    const c = new OfflineCache(memory());
    c.signedIn(ada);
    c.savePage(ada, 'r1', msgs(OFFLINE_PAGE + 10), false);
    const p = c.load()!.pages[0];
    expect(p.messages).toHaveLength(OFFLINE_PAGE);
    expect(p.messages[0].seq).toBe(11);
    expect(p.hasOlder).toBe(true);
  });

  it('forgets a room left; another user signing in replaces the entry; clear removes everything', () => {
    const s = memory();
    s.setItem('openchat:locale', 'es');
    const c = new OfflineCache(s);
    c.signedIn(ada);
    c.saveRooms(ada, [room('r1'), room('r2')]);
    c.savePage(ada, 'r1', msgs(3), false);
    c.forgetRoom(ada, 'r1');
    expect(c.load()!.rooms.map((r) => r.id)).toEqual(['r2']);
    expect(c.load()!.pages).toEqual([]);
    c.signedIn(ada); // the same user again keeps what was there
    expect(c.load()!.rooms).toHaveLength(1);
    c.signedIn(bob);
    expect(c.load()).toEqual({ me: bob, rooms: [], pages: [] });
    c.saveRooms(ada, [room('r9')]); // a stale tab of the previous user writes nothing
    expect(c.load()!.me).toEqual(bob);
    expect(s.length).toBe(3); // locale, bob's entry, the last-user pointer
    c.clear();
    expect(c.load()).toBeNull();
    expect(s.length).toBe(1);
    expect(s.getItem('openchat:locale')).toBe('es');
  });

  it('survives a full or refused storage and a corrupt entry', () => {
    const s = memory();
    const c = new OfflineCache({ ...s, setItem: () => { throw new Error('QuotaExceededError'); }, getItem: s.getItem, key: s.key, removeItem: s.removeItem, get length() { return s.length; } } as Storage);
    expect(() => c.signedIn(ada)).not.toThrow();
    s.setItem('openchat:offline:last', 'u1');
    s.setItem('openchat:offline:user:u1', '{not json');
    expect(new OfflineCache(s).load()).toBeNull();
  });
});

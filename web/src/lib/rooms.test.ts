import { describe, expect, it } from 'vitest';
import { asMyRoom, canModerate, dmName, groupRooms, mergeRooms, mergeSnapshot, onMessage, onRead, roomLabel, upsertRoom, withRoomInfo, type Arrival } from './rooms';
import { t } from './strings';
import type { MyRoom, UserRef } from './types';

const ada: UserRef = { id: 'u1', username: 'ada', display_name: 'Ada Lovelace' };
const bob: UserRef = { id: 'u2', username: 'bob', display_name: '' };
const cy: UserRef = { id: 'u3', username: 'cy', display_name: 'Cy Twombly' };

function room(p: Partial<MyRoom> & { id: string }): MyRoom {
  return {
    name: p.id,
    topic: '',
    visibility: 'public',
    created_by: 'u1',
    created_at: '2026-01-01T00:00:00.000Z',
    role: 'member',
    last_seq: 0,
    last_read_seq: 0,
    unread: 0,
    unread_mentions: 0,
    ...p,
  };
}

describe('dmName', () => {
  it.each([
    { name: 'one other', members: [ada], want: 'Ada Lovelace' },
    { name: 'username when no display name', members: [bob], want: 'bob' },
    { name: 'alphabetical, whatever the server order', members: [cy, bob, ada], want: 'Ada Lovelace, bob, Cy Twombly' },
    { name: 'nobody else left', members: [], want: t.justYou },
    { name: 'members missing', members: undefined, want: t.justYou },
  ])('$name', ({ members, want }) => {
    expect(dmName(members)).toBe(want);
  });

  it('labels rooms with # and DMs with their people', () => {
    expect(roomLabel(room({ id: 'r', name: 'general' }))).toBe('#general');
    expect(roomLabel(room({ id: 'd', name: '', visibility: 'direct', members: [cy, ada] }))).toBe('Ada Lovelace, Cy Twombly');
  });
});

describe('groupRooms', () => {
  const all = [
    room({ id: 'r2', name: 'zebra', visibility: 'private' }),
    room({ id: 'd1', name: '', visibility: 'direct', members: [cy] }),
    room({ id: 'r1', name: 'Apples', topic: 'fruit talk' }),
    room({ id: 'd2', name: '', visibility: 'direct', members: [bob, ada] }),
    room({ id: 'r3', name: 'mango' }),
  ];
  it.each([
    { name: 'no filter: rooms by name, DMs by people', filter: '', rooms: ['r1', 'r3', 'r2'], dms: ['d2', 'd1'] },
    { name: 'filter on room name, case-insensitive', filter: 'ZEB', rooms: ['r2'], dms: [] },
    { name: 'filter on topic', filter: 'fruit', rooms: ['r1'], dms: [] },
    { name: 'filter on a DM member display name', filter: 'twom', rooms: [], dms: ['d1'] },
    { name: 'filter on a DM member username', filter: 'bob', rooms: [], dms: ['d2'] },
    { name: 'blank filter is no filter', filter: '  ', rooms: ['r1', 'r3', 'r2'], dms: ['d2', 'd1'] },
    { name: 'nothing matches', filter: 'kiwi', rooms: [], dms: [] },
  ])('$name', ({ filter, rooms, dms }) => {
    const g = groupRooms(all, filter);
    expect(g.rooms.map((r) => r.id)).toEqual(rooms);
    expect(g.dms.map((r) => r.id)).toEqual(dms);
  });
});

describe('onMessage', () => {
  const base = room({ id: 'r', last_seq: 10, last_read_seq: 8, unread: 2, unread_mentions: 1 });
  const arrive = (p: Partial<Arrival>): Arrival => ({ seq: 11, mine: false, mentionsMe: false, visible: false, threadOnly: false, ...p });
  it.each([
    { name: 'someone else, room not visible: one more unread', a: arrive({}), want: { last_seq: 11, last_read_seq: 8, unread: 3, unread_mentions: 1 } },
    { name: 'a mention counts twice', a: arrive({ mentionsMe: true }), want: { last_seq: 11, last_read_seq: 8, unread: 3, unread_mentions: 2 } },
    { name: 'room open and visible: not counted', a: arrive({ visible: true, mentionsMe: true }), want: { last_seq: 11, last_read_seq: 8, unread: 2, unread_mentions: 1 } },
    { name: 'my own message marks everything read', a: arrive({ mine: true }), want: { last_seq: 11, last_read_seq: 11, unread: 0, unread_mentions: 0 } },
    { name: 'a reply shown only in its thread: not an unread of the room', a: arrive({ threadOnly: true }), want: { last_seq: 11, last_read_seq: 8, unread: 2, unread_mentions: 1 } },
    { name: 'my own thread-only reply does not mark the room read', a: arrive({ mine: true, threadOnly: true }), want: { last_seq: 11, last_read_seq: 8, unread: 2, unread_mentions: 1 } },
    { name: 'a mention in a thread-only reply still counts', a: arrive({ threadOnly: true, mentionsMe: true }), want: { last_seq: 11, last_read_seq: 8, unread: 2, unread_mentions: 2 } },
    { name: 'a replayed seq is not counted again', a: arrive({ seq: 10 }), want: { last_seq: 10, last_read_seq: 8, unread: 2, unread_mentions: 1 } },
    { name: 'an older seq is not counted', a: arrive({ seq: 3, mentionsMe: true }), want: { last_seq: 10, last_read_seq: 8, unread: 2, unread_mentions: 1 } },
  ])('$name', ({ a, want }) => {
    const r = onMessage(base, a);
    expect({ last_seq: r.last_seq, last_read_seq: r.last_read_seq, unread: r.unread, unread_mentions: r.unread_mentions }).toEqual(want);
  });

  it('returns the same object when nothing changes', () => {
    expect(onMessage(base, arrive({ seq: 10 }))).toBe(base);
  });
});

describe('onRead', () => {
  const base = room({ id: 'r', last_seq: 10, last_read_seq: 4, unread: 5, unread_mentions: 3 });
  it.each([
    { name: 'read to the end clears', seq: 10, want: { last_seq: 10, last_read_seq: 10, unread: 0, unread_mentions: 0 } },
    { name: 'read beyond what we saw clears and moves last_seq', seq: 12, want: { last_seq: 12, last_read_seq: 12, unread: 0, unread_mentions: 0 } },
    { name: 'part of the way: at most the rest stays unread', seq: 8, want: { last_seq: 10, last_read_seq: 8, unread: 2, unread_mentions: 2 } },
    { name: 'part of the way, fewer unread than seqs left', seq: 5, want: { last_seq: 10, last_read_seq: 5, unread: 5, unread_mentions: 3 } },
    { name: 'never backwards', seq: 3, want: { last_seq: 10, last_read_seq: 4, unread: 5, unread_mentions: 3 } },
    { name: 'same position: nothing', seq: 4, want: { last_seq: 10, last_read_seq: 4, unread: 5, unread_mentions: 3 } },
  ])('$name', ({ seq, want }) => {
    const r = onRead(base, seq);
    expect({ last_seq: r.last_seq, last_read_seq: r.last_read_seq, unread: r.unread, unread_mentions: r.unread_mentions }).toEqual(want);
  });
});

describe('mergeSnapshot', () => {
  const counts = (r: MyRoom) => ({ last_seq: r.last_seq, last_read_seq: r.last_read_seq, unread: r.unread, unread_mentions: r.unread_mentions });
  it.each([
    {
      name: 'first sight: the server room',
      local: undefined,
      server: room({ id: 'r', last_seq: 9, last_read_seq: 2, unread: 7, unread_mentions: 1 }),
      want: { last_seq: 9, last_read_seq: 2, unread: 7, unread_mentions: 1 },
    },
    {
      name: 'server caught up with us: the server counts',
      local: room({ id: 'r', last_seq: 9, last_read_seq: 2, unread: 4 }),
      server: room({ id: 'r', last_seq: 9, last_read_seq: 2, unread: 6, unread_mentions: 1 }),
      want: { last_seq: 9, last_read_seq: 2, unread: 6, unread_mentions: 1 },
    },
    {
      name: 'live frames went past the snapshot: keep our counts',
      local: room({ id: 'r', last_seq: 12, last_read_seq: 2, unread: 9, unread_mentions: 2 }),
      server: room({ id: 'r', last_seq: 10, last_read_seq: 2, unread: 7, unread_mentions: 1 }),
      want: { last_seq: 12, last_read_seq: 2, unread: 9, unread_mentions: 2 },
    },
    {
      name: 'read elsewhere meanwhile, and we are ahead: read applies to our counts',
      local: room({ id: 'r', last_seq: 12, last_read_seq: 2, unread: 9, unread_mentions: 2 }),
      server: room({ id: 'r', last_seq: 10, last_read_seq: 10, unread: 0 }),
      want: { last_seq: 12, last_read_seq: 10, unread: 2, unread_mentions: 2 },
    },
    {
      name: 'we marked read and the server has not heard yet: our read wins',
      local: room({ id: 'r', last_seq: 9, last_read_seq: 9, unread: 0 }),
      server: room({ id: 'r', last_seq: 9, last_read_seq: 5, unread: 4, unread_mentions: 1 }),
      want: { last_seq: 9, last_read_seq: 9, unread: 0, unread_mentions: 0 },
    },
  ])('$name', ({ local, server, want }) => {
    expect(counts(mergeSnapshot(local, server))).toEqual(want);
  });

  it('takes name, topic and role from the server', () => {
    const r = mergeSnapshot(room({ id: 'r', name: 'old', last_seq: 5 }), room({ id: 'r', name: 'new', role: 'moderator', last_seq: 3 }));
    expect([r.name, r.role, r.last_seq]).toEqual(['new', 'moderator', 5]);
  });

  it('drops rooms missing from a snapshot and adds new ones', () => {
    const got = mergeRooms([room({ id: 'a' }), room({ id: 'b' })], [room({ id: 'b' }), room({ id: 'c' })]);
    expect(got.map((r) => r.id)).toEqual(['b', 'c']);
  });

  it('upsertRoom adds once and replaces after', () => {
    let rooms = upsertRoom([], room({ id: 'a', unread: 1, last_seq: 1 }));
    rooms = upsertRoom(rooms, room({ id: 'a', unread: 3, last_seq: 3 }));
    expect(rooms).toHaveLength(1);
    expect(rooms[0].unread).toBe(3);
  });
});

describe('asMyRoom and canModerate', () => {
  it('completes a room without read state as fully read', () => {
    const r = asMyRoom({ id: 'd', name: '', topic: '', visibility: 'direct', created_by: 'u1', created_at: '', members: [bob] });
    expect([r.role, r.last_seq, r.last_read_seq, r.unread, r.unread_mentions]).toEqual(['member', 0, 0, 0, 0]);
  });
  it.each([
    { role: 'owner', visibility: 'private', want: true },
    { role: 'moderator', visibility: 'public', want: true },
    { role: 'member', visibility: 'private', want: false },
    { role: 'owner', visibility: 'direct', want: false },
  ] as const)('$role of a $visibility room: $want', ({ role, visibility, want }) => {
    expect(canModerate(room({ id: 'r', role, visibility }))).toBe(want);
  });
  it('no room, no moderation', () => expect(canModerate(undefined)).toBe(false));
});

describe('withRoomInfo', () => {
  const info = { id: 'r', name: 'launch', topic: 'Tuesday', visibility: 'private', created_by: 'u1', created_at: '' } as const;
  it.each([
    { what: 'rename and topic', before: {}, after: { ...info }, archived: undefined },
    { what: 'archived', before: {}, after: { ...info, archived_at: '2026-12-02T03:00:00Z' }, archived: '2026-12-02T03:00:00Z' },
    { what: 'unarchived', before: { archived_at: '2026-12-01T03:00:00Z' }, after: { ...info }, archived: undefined },
  ])('$what: keeps my role and read state', ({ before, after, archived }) => {
    const mine = room({ id: 'r', name: 'plans', role: 'moderator', unread: 4, last_read_seq: 7, ...before });
    const next = withRoomInfo(mine, after);
    expect([next.name, next.topic, next.archived_at]).toEqual(['launch', 'Tuesday', archived]);
    expect([next.role, next.unread, next.last_read_seq]).toEqual(['moderator', 4, 7]);
    expect('archived_at' in next).toBe(archived !== undefined);
  });
});

import { describe, expect, it } from 'vitest';
import { dayLabel, groupMessages, GROUP_GAP_MS, itemKey } from './group';
import type { Message } from './types';

// vite.config.ts runs the tests with TZ=UTC, so local days are UTC days.
const ada = { id: 'u1', username: 'ada', display_name: 'Ada' };
const bob = { id: 'u2', username: 'bob', display_name: 'Bob' };
let seq = 0;
function m(author: typeof ada, at: string): Message {
  seq++;
  return { id: 'm' + seq, room_id: 'r', seq, author, body: 'x', created_at: at, mentions: [] };
}

describe('groupMessages', () => {
  const now = new Date('2025-03-04T12:00:00Z');
  it('groups consecutive messages of one author and splits by day', () => {
    const rows = groupMessages(
      [
        m(ada, '2025-03-03T23:58:00.000Z'),
        m(ada, '2025-03-03T23:59:00.000Z'),
        m(ada, '2025-03-04T00:00:30.000Z'), // next day: new group
        m(bob, '2025-03-04T00:01:00.000Z'),
        m(bob, '2025-03-04T00:02:00.000Z'),
        m(ada, '2025-03-04T00:03:00.000Z'),
      ],
      now,
    );
    expect(rows.map((r) => (r.kind === 'day' ? 'day:' + r.label : r.kind === 'group' ? r.author.username + ':' + r.items.length : r.kind))).toEqual([
      'day:Yesterday',
      'ada:2',
      'day:Today',
      'ada:1',
      'bob:2',
      'ada:1',
    ]);
  });

  it('puts a "new messages" row before the first unread message of someone else', () => {
    seq = 0;
    const list = [m(ada, '2025-03-04T08:00:00.000Z'), m(bob, '2025-03-04T08:01:00.000Z'), m(ada, '2025-03-04T08:02:00.000Z'), m(bob, '2025-03-04T08:02:30.000Z')];
    const shape = (rows: ReturnType<typeof groupMessages>) => rows.map((r) => (r.kind === 'group' ? r.author.username + ':' + r.items.length : r.kind));
    // Read up to 1; seq 2 is Bob's: the row goes before it.
    expect(shape(groupMessages(list, now, 1, ada.id))).toEqual(['day', 'ada:1', 'unread', 'bob:1', 'ada:1', 'bob:1']);
    // My own message (seq 3) is never "new": the row goes before Bob's seq 4.
    expect(shape(groupMessages(list, now, 2, ada.id))).toEqual(['day', 'ada:1', 'bob:1', 'ada:1', 'unread', 'bob:1']);
    expect(shape(groupMessages(list, now, 4, ada.id))).not.toContain('unread');
    expect(shape(groupMessages(list, now))).not.toContain('unread');
  });

  it('starts a new group after a pause', () => {
    const t0 = Date.parse('2025-03-04T08:00:00Z');
    const rows = groupMessages([m(ada, new Date(t0).toISOString()), m(ada, new Date(t0 + GROUP_GAP_MS + 1000).toISOString())], now);
    expect(rows.filter((r) => r.kind === 'group')).toHaveLength(2);
  });

  it('puts pending messages after confirmed ones, keyed by client_id', () => {
    const pending = { client_id: 'c1', room_id: 'r', body: 'hi', author: ada, created_at: '2025-03-04T08:00:10.000Z' };
    const rows = groupMessages([m(ada, '2025-03-04T08:00:00.000Z'), pending], now);
    const g = rows.find((r) => r.kind === 'group');
    expect(g && g.kind === 'group' && g.items.map(itemKey)).toEqual(['s' + seq, 'pc1']);
  });

  it('labels older days with the date', () => {
    expect(dayLabel(new Date('2025-01-15T10:00:00Z'), now, 'en-US')).toBe('Wednesday, January 15');
    expect(dayLabel(new Date('2024-01-15T10:00:00Z'), now, 'en-US')).toBe('Monday, January 15, 2024');
  });
});

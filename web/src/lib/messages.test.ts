import { describe, expect, it } from 'vitest';
import { contiguousUpTo, gaps, inWindow, mergeMessages, newClientId, settlePending } from './messages';
import type { Message, PendingMessage } from './types';

const ada = { id: 'u1', username: 'ada', display_name: 'Ada' };
const bob = { id: 'u2', username: 'bob', display_name: '' };

function msg(seq: number, extra: Partial<Message> = {}): Message {
  return { id: 'm' + seq, room_id: 'r', seq, author: ada, body: 'b' + seq, created_at: '2025-01-01T10:00:00.000Z', mentions: [], ...extra };
}
const seqs = (l: Message[]) => l.map((m) => m.seq);

describe('mergeMessages', () => {
  const cases: Array<{ name: string; list: number[]; incoming: number[]; want: number[] }> = [
    { name: 'append live in order', list: [1, 2], incoming: [3], want: [1, 2, 3] },
    { name: 'older page before', list: [51, 52], incoming: [49, 50], want: [49, 50, 51, 52] },
    { name: 'duplicates dropped', list: [1, 2, 3], incoming: [2, 3, 4], want: [1, 2, 3, 4] },
    { name: 'out of order', list: [1, 5], incoming: [3, 2, 4], want: [1, 2, 3, 4, 5] },
    { name: 'replay after reconnect overlaps', list: [1, 2, 3], incoming: [3, 4, 5], want: [1, 2, 3, 4, 5] },
    { name: 'into empty', list: [], incoming: [7, 8], want: [7, 8] },
    { name: 'repeated frame', list: [1, 2], incoming: [2, 2], want: [1, 2] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(seqs(mergeMessages(c.list.map((s) => msg(s)), c.incoming.map((s) => msg(s))))).toEqual(c.want);
    });
  }

  it('returns the same array when nothing is new', () => {
    const list = [msg(1), msg(2)];
    expect(mergeMessages(list, [msg(2)])).toBe(list);
    expect(mergeMessages(list, [])).toBe(list);
  });

  it('is order independent', () => {
    const all = [1, 2, 3, 4, 5, 6].map((s) => msg(s));
    const a = mergeMessages(mergeMessages([], all.slice(3)), all.slice(0, 4));
    const b = mergeMessages(mergeMessages([], all.slice(0, 2)), all.slice(1).reverse());
    expect(seqs(a)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(seqs(b)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('settlePending', () => {
  const p = (client_id: string, author = ada): PendingMessage => ({ client_id, room_id: 'r', body: 'x', author, created_at: '' });

  it('drops the pending message its ack confirms', () => {
    const pending = [p('a'), p('b')];
    expect(settlePending(pending, [msg(9, { client_id: 'a' })]).map((x) => x.client_id)).toEqual(['b']);
  });
  it('matches the author too', () => {
    const pending = [p('a')];
    expect(settlePending(pending, [msg(9, { client_id: 'a', author: bob })])).toBe(pending);
  });
  it('a retried send confirmed twice shows once', () => {
    let pending = [p('a')];
    let list: Message[] = [];
    for (const m of [msg(4, { client_id: 'a' }), msg(4, { client_id: 'a' })]) {
      pending = settlePending(pending, [m]);
      list = mergeMessages(list, [m]);
    }
    expect(pending).toEqual([]);
    expect(seqs(list)).toEqual([4]);
  });
  it('keeps identity without client ids', () => {
    const pending = [p('a')];
    expect(settlePending(pending, [msg(1)])).toBe(pending);
  });
});

describe('gaps and contiguity', () => {
  it('finds holes', () => {
    expect(gaps([1, 2, 5, 6, 9].map((s) => msg(s)))).toEqual([
      { after: 2, before: 5 },
      { after: 6, before: 9 },
    ]);
    expect(gaps([3, 4].map((s) => msg(s)))).toEqual([]);
  });
  it('contiguousUpTo stops at the first hole', () => {
    expect(contiguousUpTo([1, 2, 3, 5].map((s) => msg(s)), 0)).toBe(3);
    expect(contiguousUpTo([1, 2, 3, 5].map((s) => msg(s)), 4)).toBe(5);
    expect(contiguousUpTo([], 7)).toBe(7);
  });
});

it('newClientId is printable ASCII within the server bound', () => {
  for (let i = 0; i < 20; i++) {
    const id = newClientId();
    expect(id).toMatch(/^[\x21-\x7e]{8,64}$/);
  }
  expect(newClientId()).not.toBe(newClientId());
});

describe('inWindow', () => {
  const list = [msg(10), msg(11), msg(12)];
  it.each([
    ['an edit inside the window', [msg(11, { change: 30 })], [11]],
    ['a live message after it', [msg(13)], []],
    ['an edit before it', [msg(3, { change: 31 })], []],
    ['both ends', [msg(10), msg(12), msg(40)], [10, 12]],
  ])('keeps %s', (_n, incoming, want) => {
    expect(seqs(inWindow(list, incoming))).toEqual(want);
  });
  it('keeps nothing for an empty list', () => {
    expect(inWindow([], [msg(1)])).toEqual([]);
  });
  it('merged, never opens a gap after a window', () => {
    const merged = mergeMessages(list, inWindow(list, [msg(14), msg(12, { change: 9 })]));
    expect(gaps(merged)).toEqual([]);
    expect(seqs(merged)).toEqual([10, 11, 12]);
  });
});

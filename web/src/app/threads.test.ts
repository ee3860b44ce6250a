import { describe, expect, it } from 'vitest';
import { ThreadBook, threadKey, type ThreadData } from './threads';
import type { Message, Page } from '../lib/types';

const bob = { id: 'u2', username: 'bob', display_name: '' };
function msg(seq: number, extra: Partial<Message> = {}): Message {
  return { id: 'm' + seq, room_id: 'r', seq, author: bob, body: 'b' + seq, created_at: '2025-01-01T10:00:00.000Z', mentions: [], change: seq, ...extra };
}

function book(pages: Page[]) {
  let threads: Record<string, ThreadData> = {};
  const asked: Array<number | undefined> = [];
  const api = {
    replies: async (_room: string, _seq: number, q: { after?: number } = {}) => {
      asked.push(q.after);
      return pages.shift() ?? { messages: [], has_more: false };
    },
  };
  const b = new ThreadBook(api as never, () => threads, (t) => (threads = t), () => 'u1');
  return { b, get: () => threads, asked };
}

describe('ThreadBook', () => {
  it('loads a thread, pages on, and files live replies, edits and reactions into it', async () => {
    const { b, get, asked } = book([
      { messages: [msg(2, { reply_to: 1 }), msg(3, { reply_to: 1 })], has_more: true },
      { messages: [msg(5, { reply_to: 1, reactions: [{ emoji: '👍', count: 1, user_ids: ['u1'] }] })], has_more: false },
    ]);
    await b.load('r', 1);
    const key = threadKey('r', 1);
    expect(get()[key].replies.map((m) => m.seq)).toEqual([2, 3]);
    expect(get()[key].hasMore).toBe(true);
    await b.load('r', 1, true);
    expect(asked).toEqual([undefined, 3]);
    expect(get()[key].replies[2].reactions?.[0].me).toBe(true);
    // Live: a reply to this thread, one to another, a message not in a thread.
    b.messages('r', [msg(8, { reply_to: 1 }), msg(9, { reply_to: 4 }), msg(10)]);
    expect(get()[key].replies.map((m) => m.seq)).toEqual([2, 3, 5, 8]);
    expect(get()[threadKey('r', 4)]).toBeUndefined();
    b.messages('r', [msg(3, { reply_to: 1, change: 20, body: 'edited' })]);
    expect(get()[key].replies[1].body).toBe('edited');
    b.reaction({ room_id: 'r', seq: 8, emoji: '🎉', count: 1, user_id: 'u2', added: true, change: 21 });
    expect(get()[key].replies[3].reactions).toEqual([{ emoji: '🎉', count: 1, user_ids: ['u2'], me: false }]);
  });

  it('reloadRoom fetches its threads again, every page up to what was held', async () => {
    const { b, get, asked } = book([
      { messages: [msg(2, { reply_to: 1 }), msg(3, { reply_to: 1 })], has_more: false },
      { messages: [msg(2, { reply_to: 1, change: 50, deleted: true, body: '' })], has_more: true },
      { messages: [msg(3, { reply_to: 1, change: 51, body: 'edited' })], has_more: false },
    ]);
    await b.load('r', 1);
    b.reloadRoom('r');
    await new Promise((r) => setTimeout(r, 0));
    const replies = get()[threadKey('r', 1)].replies;
    expect(replies.map((m) => [m.seq, m.deleted ?? false, m.body])).toEqual([
      [2, true, ''],
      [3, false, 'edited'],
    ]);
    expect(asked).toEqual([undefined, undefined, 2]);
  });
});

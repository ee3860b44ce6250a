import { describe, expect, it } from 'vitest';
import { applyReaction, findSeq, inRoom, maxChange, newer, withMe } from './changes';
import { mergeMessages } from './messages';
import type { Message, ReactionEvent } from './types';

const ada = { id: 'u1', username: 'ada', display_name: 'Ada' };
function msg(seq: number, extra: Partial<Message> = {}): Message {
  return { id: 'm' + seq, room_id: 'r', seq, author: ada, body: 'b' + seq, created_at: '2025-01-01T10:00:00.000Z', mentions: [], change: seq, ...extra };
}
function react(seq: number, emoji: string, user_id: string, added: boolean, count: number, change: number): ReactionEvent {
  return { room_id: 'r', seq, emoji, user_id, added, count, change };
}

describe('merging changed messages', () => {
  const cases: Array<{ name: string; held: Partial<Message>; incoming: Partial<Message>; want: string }> = [
    { name: 'an edit replaces', held: { change: 3 }, incoming: { change: 7, body: 'edited', edited_at: 'x' }, want: 'edited' },
    { name: 'a tombstone replaces', held: { change: 3 }, incoming: { change: 8, body: '', deleted: true }, want: '' },
    { name: 'an older frame after a fresher page is ignored', held: { change: 9, body: 'new' }, incoming: { change: 7, body: 'old' }, want: 'new' },
    { name: 'the same change again is ignored', held: { change: 5, body: 'same' }, incoming: { change: 5, body: 'other' }, want: 'same' },
    { name: 'messages without change never replace', held: { change: undefined, body: 'a' }, incoming: { change: undefined, body: 'z' }, want: 'a' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const list = [msg(1), msg(2, c.held), msg(3)];
      const out = mergeMessages(list, [msg(2, c.incoming)]);
      expect(out.map((m) => m.seq)).toEqual([1, 2, 3]);
      expect(out[1].body).toBe(c.want);
    });
  }

  it('a message_updated for a seq not held is inserted', () => {
    expect(mergeMessages([msg(1), msg(3)], [msg(2, { change: 10 })]).map((m) => m.seq)).toEqual([1, 2, 3]);
  });

  it('newer compares change numbers', () => {
    expect(newer(msg(1, { change: 2 }), msg(1, { change: 1 }))).toBe(true);
    expect(newer(msg(1, { change: 1 }), msg(1, { change: 2 }))).toBe(false);
  });
});

describe('applyReaction', () => {
  it('adds, counts, marks mine, and takes back', () => {
    let list = [msg(1), msg(2)];
    list = applyReaction(list, react(2, '👍', 'u2', true, 1, 10), 'u1');
    expect(list[1].reactions).toEqual([{ emoji: '👍', count: 1, user_ids: ['u2'], me: false }]);
    list = applyReaction(list, react(2, '👍', 'u1', true, 2, 11), 'u1');
    expect(list[1].reactions).toEqual([{ emoji: '👍', count: 2, user_ids: ['u2', 'u1'], me: true }]);
    list = applyReaction(list, react(2, ':tada:', 'u2', true, 1, 12), 'u1');
    expect(list[1].reactions?.map((r) => r.emoji)).toEqual(['👍', ':tada:']);
    list = applyReaction(list, react(2, '👍', 'u1', false, 1, 13), 'u1');
    expect(list[1].reactions?.[0]).toEqual({ emoji: '👍', count: 1, user_ids: ['u2'], me: false });
    list = applyReaction(list, react(2, '👍', 'u2', false, 0, 14), 'u1');
    expect(list[1].reactions).toEqual([{ emoji: ':tada:', count: 1, user_ids: ['u2'], me: false }]);
    expect(list[1].change).toBe(14);
  });

  it('ignores a frame the message already reflects, a message not held, and tombstones', () => {
    const list = [msg(1, { change: 20 }), msg(2, { deleted: true, body: '', change: 3 })];
    expect(applyReaction(list, react(1, '👍', 'u2', true, 1, 19), 'u1')).toBe(list);
    expect(applyReaction(list, react(5, '👍', 'u2', true, 1, 30), 'u1')).toBe(list);
    expect(applyReaction(list, react(2, '👍', 'u2', true, 1, 30), 'u1')).toBe(list);
  });

  it('applying frames twice gives the same list', () => {
    const frames = [react(1, '👍', 'u2', true, 1, 5), react(1, '👍', 'u1', true, 2, 6)];
    let a = [msg(1)];
    for (const f of frames) a = applyReaction(a, f, 'u1');
    let b = a;
    for (const f of frames) b = applyReaction(b, f, 'u1');
    expect(b).toBe(a);
  });
});

describe('withMe, inRoom, findSeq, maxChange', () => {
  it('sets me from user_ids', () => {
    const m = withMe(msg(1, { reactions: [{ emoji: '👍', count: 2, user_ids: ['u2', 'u1'] }, { emoji: '🎉', count: 1, user_ids: ['u2'] }] }), 'u1');
    expect(m.reactions?.map((r) => r.me)).toEqual([true, false]);
    const plain = msg(2);
    expect(withMe(plain, 'u1')).toBe(plain);
  });

  it('shows in the room messages without reply_to, and replies sent to the room too', () => {
    expect(inRoom(msg(1))).toBe(true);
    expect(inRoom(msg(2, { reply_to: 1 }))).toBe(false);
    expect(inRoom(msg(3, { reply_to: 1, also_to_room: true }))).toBe(true);
  });

  it('finds seqs and the highest change', () => {
    const list = [msg(1), msg(4, { change: 9 }), msg(7)];
    expect(findSeq(list, 4)).toBe(1);
    expect(findSeq(list, 5)).toBe(-1);
    expect(maxChange(list)).toBe(9);
  });
});

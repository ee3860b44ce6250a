// How the change stream's frames change a room's list of messages, without
// React. Every message carries the room's `change` number of its latest
// change, so a frame older than what the list holds (a live frame arriving
// after a fresher HTTP page) changes nothing, and applying the same frames
// twice gives the same list.

import type { Message, Reaction, ReactionEvent } from './types';

/** newer: may `m` replace `old`? Only a later change does (messages without change never replace). */
export function newer(m: Message, old: Message): boolean {
  return (m.change ?? 0) > (old.change ?? 0);
}

/** withMe sets each reaction's `me` from its user_ids (frames carry no `me`). */
export function withMe(m: Message, meId: string): Message {
  const rs = m.reactions;
  if (!rs || rs.length === 0) return m;
  let changed = false;
  const out = rs.map((r) => {
    const me = r.user_ids ? r.user_ids.includes(meId) : !!r.me;
    if (me === r.me) return r;
    changed = true;
    return { ...r, me };
  });
  return changed ? { ...m, reactions: out } : m;
}

/** applyReaction updates one message's reactions from a reaction frame. */
export function reactWith(m: Message, e: ReactionEvent, meId: string): Message {
  if ((m.change ?? 0) >= e.change || m.deleted) return m;
  const rs = m.reactions ?? [];
  const i = rs.findIndex((r) => r.emoji === e.emoji);
  const cur: Reaction = i >= 0 ? rs[i] : { emoji: e.emoji, count: 0, user_ids: [] };
  let ids = (cur.user_ids ?? []).filter((id) => id !== e.user_id);
  if (e.added) ids = [...ids, e.user_id];
  const me = e.user_id === meId ? e.added : !!cur.me;
  const next: Reaction = { emoji: e.emoji, count: e.count, user_ids: ids, me };
  let reactions: Reaction[];
  if (e.count <= 0) reactions = rs.filter((r) => r.emoji !== e.emoji);
  else if (i >= 0) reactions = rs.map((r, j) => (j === i ? next : r));
  else reactions = [...rs, next];
  return { ...m, reactions, change: e.change };
}

/** applyReaction applies a reaction frame to a sorted list; the same list when the message is not in it. */
export function applyReaction(list: Message[], e: ReactionEvent, meId: string): Message[] {
  const i = findSeq(list, e.seq);
  if (i < 0) return list;
  const m = reactWith(list[i], e, meId);
  if (m === list[i]) return list;
  const out = list.slice();
  out[i] = m;
  return out;
}

/** findSeq: the index of seq in a list sorted by seq, or -1. */
export function findSeq(list: Message[], seq: number): number {
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = list[mid].seq;
    if (s === seq) return mid;
    if (s < seq) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** inRoom: is the message shown in the room's timeline (not a thread-only reply)? */
export function inRoom(m: { reply_to?: number; also_to_room?: boolean }): boolean {
  return !m.reply_to || !!m.also_to_room;
}

/** maxChange: the highest change number in a list (0 for none). */
export function maxChange(list: Message[]): number {
  let c = 0;
  for (const m of list) if ((m.change ?? 0) > c) c = m.change ?? 0;
  return c;
}

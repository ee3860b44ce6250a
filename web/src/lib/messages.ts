import { newer } from './changes';
import type { Message, PendingMessage } from './types';

/**
 * mergeMessages adds incoming messages to a room's list, which stays sorted
 * by seq with each seq once; a message with a later `change` replaces the
 * one held (an edit, a deletion, a reaction). Whatever order and however
 * often messages arrive (HTTP pages, live frames, catch-up replays, acks),
 * the result is the same. It returns `list` itself when nothing changed, so
 * React can skip a render.
 */
export function mergeMessages(list: Message[], incoming: Message[]): Message[] {
  if (incoming.length === 0) return list;
  const last = list.length ? list[list.length - 1].seq : 0;
  // Fast path: live messages arrive in order after the newest.
  if (incoming.every((m, i) => m.seq > (i === 0 ? last : incoming[i - 1].seq))) {
    return list.concat(incoming);
  }
  const bySeq = new Map<number, Message>();
  for (const m of list) bySeq.set(m.seq, m);
  let changed = false;
  for (const m of incoming) {
    const old = bySeq.get(m.seq);
    if (!old || newer(m, old)) {
      bySeq.set(m.seq, m);
      changed = true;
    }
  }
  if (!changed) return list;
  return Array.from(bySeq.values()).sort((a, b) => a.seq - b.seq);
}

/**
 * settlePending drops the pending messages that the confirmed ones settle:
 * same client_id from the same author. A retried send that the server
 * deduplicated is thus shown once, as the confirmed message.
 */
export function settlePending(pending: PendingMessage[], confirmed: Message[]): PendingMessage[] {
  if (pending.length === 0) return pending;
  const ids = new Set<string>();
  for (const m of confirmed) if (m.client_id) ids.add(m.author.id + '\u0000' + m.client_id);
  if (ids.size === 0) return pending;
  const out = pending.filter((p) => !ids.has(p.author.id + '\u0000' + p.client_id));
  return out.length === pending.length ? pending : out;
}

/** The newest seq such that every seq from `from`+1 up to it is in list. */
export function contiguousUpTo(list: Message[], from: number): number {
  let seq = from;
  for (const m of list) {
    if (m.seq <= seq) continue;
    if (m.seq !== seq + 1) break;
    seq = m.seq;
  }
  return seq;
}

/** Finds holes in a sorted list: [after, before) pairs of missing seqs. */
export function gaps(list: Message[]): Array<{ after: number; before: number }> {
  const out: Array<{ after: number; before: number }> = [];
  for (let i = 1; i < list.length; i++) {
    if (list[i].seq !== list[i - 1].seq + 1) out.push({ after: list[i - 1].seq, before: list[i].seq });
  }
  return out;
}

/**
 * inWindow: of incoming messages, those within the seqs a list spans. A
 * list that does not reach the room's newest message (a jump loaded the
 * messages around one) takes edits and deletions of what it holds; newer
 * messages come with its next pages, so no gap opens at its end.
 */
export function inWindow(list: Message[], incoming: Message[]): Message[] {
  if (list.length === 0) return [];
  const first = list[0].seq;
  const last = list[list.length - 1].seq;
  return incoming.filter((m) => m.seq >= first && m.seq <= last);
}

/** A client_id unique enough to deduplicate retries (printable ASCII, ≤ 64). */
export function newClientId(random: () => number = Math.random): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  let s = '';
  for (let i = 0; i < 24; i++) s += Math.floor(random() * 36).toString(36);
  return s;
}

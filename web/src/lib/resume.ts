// What a room's list needs after a `subscribed`, decided without React or
// the network (the store carries it out).

export type AfterSubscribe =
  | { kind: 'none' } // the replay (or nothing at all) brings what is missing
  | { kind: 'reload' } // fetch the latest page again and merge it
  | { kind: 'reset' } // drop the list and its threads: load the latest page afresh
  | { kind: 'fill'; after: number }; // page by seq over HTTP after this seq

export interface Subscribed {
  lastSeq: number;
  truncated: boolean;
  afterSeq?: number;
  afterChange?: number;
}

/**
 * afterSubscribe: for a room whose list is loaded (newest: its newest seq).
 * By change, the replay brings every change unless truncated (reset). A
 * first subscribe may come after the page was fetched: fetch it again so
 * nothing changed in between is missed. By seq (a server without the change
 * stream), page the hole a truncated replay leaves, or anything newer.
 */
export function afterSubscribe(s: Subscribed, newest: number): AfterSubscribe {
  if (s.afterChange !== undefined) return s.truncated ? { kind: 'reset' } : { kind: 'none' };
  if (s.afterSeq === undefined) return { kind: 'reload' };
  if (s.truncated) return { kind: 'fill', after: s.afterSeq };
  return s.lastSeq > newest ? { kind: 'fill', after: newest } : { kind: 'none' };
}

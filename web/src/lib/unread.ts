// Where the first unread message of an open room is, relative to what the
// message list shows: the "Jump to first unread" bar appears when it is
// above the view, or not loaded yet (older than the oldest page held).

export type UnreadPlace = 'none' | 'older' | 'above' | 'in-view';

export interface UnreadLayout {
  /** My read position when the room opened; undefined: nothing unread. */
  readUpTo?: number;
  /** The oldest loaded message, and whether older ones exist on the server. */
  firstSeq?: number;
  hasOlder: boolean;
  /** The "New messages" line's bottom edge and the list's top edge, in viewport pixels (line absent: undefined). */
  dividerBottom?: number;
  viewTop: number;
}

export function unreadPlace(l: UnreadLayout): UnreadPlace {
  if (l.readUpTo === undefined) return 'none';
  if (l.hasOlder && l.firstSeq !== undefined && l.firstSeq > l.readUpTo + 1) return 'older';
  if (l.dividerBottom === undefined) return 'none';
  return l.dividerBottom <= l.viewTop ? 'above' : 'in-view';
}

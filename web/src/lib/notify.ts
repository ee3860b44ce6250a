// When to raise a desktop notification and how the tab title counts unread.
// Pure functions: the store and the title component apply them.

import type { Message, MyRoom } from './types';

export interface NotifyContext {
  /** The page is hidden (another tab, minimised). */
  hidden: boolean;
  /** The person turned notifications on in Settings and the browser granted them. */
  allowed: boolean;
  muted: boolean;
  meId: string;
  mentionsMe: boolean;
}

/** shouldNotify: a mention or a direct message from someone else, while the page is hidden, in a room not muted. */
export function shouldNotify(m: Pick<Message, 'author'>, room: Pick<MyRoom, 'visibility'> | undefined, c: NotifyContext): boolean {
  if (!c.hidden || !c.allowed || c.muted || !room || m.author.id === c.meId) return false;
  return c.mentionsMe || room.visibility === 'direct';
}

/** unreadTotal counts what the tab title shows: unread messages of my rooms, the open one excepted when the page is visible. */
export function unreadTotal(rooms: Pick<MyRoom, 'id' | 'unread'>[], open: string | null, visible: boolean): number {
  return rooms.reduce((n, r) => n + (visible && r.id === open ? 0 : r.unread), 0);
}

/** titleWithCount prefixes a title with the unread count, "(3) #general · OpenChat". */
export function titleWithCount(base: string, n: number): string {
  if (n <= 0) return base;
  return `(${n > 99 ? '99+' : n}) ${base}`;
}

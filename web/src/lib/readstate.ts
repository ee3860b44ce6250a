import type { Storage } from './api';

// Which seq the user has read in each room, kept per user in localStorage
// so unread counts survive reloads.

export function readKey(userId: string): string {
  return 'openchat:read:' + userId;
}

export function loadRead(s: Storage, userId: string): Record<string, number> {
  try {
    const v = JSON.parse(s.getItem(readKey(userId)) ?? '{}');
    return v && typeof v === 'object' ? v : {};
  } catch {
    return {};
  }
}

export function saveRead(s: Storage, userId: string, read: Record<string, number>) {
  try {
    s.setItem(readKey(userId), JSON.stringify(read));
  } catch {
    // Storage full or disabled: counts reset on reload, nothing worse.
  }
}

/** unreadCount: messages after the last read one; a room never seen counts from when it was first seen. */
export function unreadCount(lastSeq: number | undefined, lastRead: number | undefined): number {
  if (lastSeq === undefined || lastRead === undefined) return 0;
  return Math.max(0, lastSeq - lastRead);
}

// What the client keeps on this device so that it opens without a network
// (the service worker serves the app shell, never API answers): who is
// signed in, their rooms, and the newest page of the few rooms opened last.
// One entry per user in localStorage, all of it removed on sign-out.

import type { Message, MyRoom, User } from './types';

/** The rooms whose newest page is kept, most recently opened first. */
export const OFFLINE_ROOMS_KEPT = 5;
/** Messages kept per room (one page). */
export const OFFLINE_PAGE = 50;

const PREFIX = 'openchat:offline:';
const LAST = PREFIX + 'last';

export interface CachedPage {
  roomId: string;
  messages: Message[];
  hasOlder: boolean;
}

export interface Snapshot {
  me: User;
  rooms: MyRoom[];
  /** Most recently opened first. */
  pages: CachedPage[];
}

export class OfflineCache {
  constructor(private readonly storage: Storage) {}

  /** load returns what the last signed-in user left, if anything. */
  load(): Snapshot | null {
    const id = this.storage.getItem(LAST);
    return id ? this.read(id) : null;
  }

  /** signedIn starts (or keeps) the entry of this user; another user's is removed. */
  signedIn(me: User) {
    const id = this.storage.getItem(LAST);
    const prev = id === me.id ? this.read(id) : null;
    if (id !== me.id) this.clear();
    this.write({ me, rooms: prev?.rooms ?? [], pages: prev?.pages ?? [] });
  }

  saveRooms(me: User, rooms: MyRoom[]) {
    this.update(me, (s) => ({ ...s, me, rooms }));
  }

  /** savePage keeps the newest page of a room, as the most recently opened. */
  savePage(me: User, roomId: string, messages: Message[], hasOlder: boolean) {
    if (messages.length === 0) return;
    const page = { roomId, messages: messages.slice(-OFFLINE_PAGE), hasOlder: hasOlder || messages.length > OFFLINE_PAGE };
    this.update(me, (s) => ({ ...s, pages: [page, ...s.pages.filter((p) => p.roomId !== roomId)].slice(0, OFFLINE_ROOMS_KEPT) }));
  }

  /** forgetRoom drops a room I am no longer in. */
  forgetRoom(me: User, roomId: string) {
    this.update(me, (s) => ({ ...s, rooms: s.rooms.filter((r) => r.id !== roomId), pages: s.pages.filter((p) => p.roomId !== roomId) }));
  }

  /** clear removes every user's entry (sign-out, a session found ended). */
  clear() {
    const keys: string[] = [];
    for (let i = 0; i < this.storage.length; i++) {
      const k = this.storage.key(i);
      if (k?.startsWith(PREFIX)) keys.push(k);
    }
    for (const k of keys) this.storage.removeItem(k);
  }

  private update(me: User, f: (s: Snapshot) => Snapshot) {
    // Only the user signed in on this device writes (a tab signed out meanwhile does not).
    if (this.storage.getItem(LAST) !== me.id) return;
    this.write(f(this.read(me.id) ?? { me, rooms: [], pages: [] }));
  }

  private read(id: string): Snapshot | null {
    try {
      const s = JSON.parse(this.storage.getItem(PREFIX + 'user:' + id) ?? 'null') as Snapshot | null;
      return s && s.me?.id === id && Array.isArray(s.rooms) && Array.isArray(s.pages) ? s : null;
    } catch {
      return null;
    }
  }

  private write(s: Snapshot) {
    try {
      this.storage.setItem(PREFIX + 'user:' + s.me.id, JSON.stringify(s));
      this.storage.setItem(LAST, s.me.id);
    } catch {
      // Storage full or refused: the client works without opening offline.
    }
  }
}

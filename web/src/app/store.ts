// ChatStore holds what the UI shows and the actions that change it. It
// feeds React through useSyncExternalStore: every change makes a new state
// object, unchanged parts keep their identity.

import { Api, ApiError } from '../lib/api';
import { ChatClient } from '../lib/client';
import { gaps, mergeMessages, newClientId, settlePending } from '../lib/messages';
import { mentionsUser } from '../lib/mentions';
import { loadRead, saveRead } from '../lib/readstate';
import type { ConnState, Message, PendingMessage, Room, User, UserRef } from '../lib/types';

/** Page sizes: history pages shown while scrolling, catch-up pages after a gap. */
export const PAGE_SIZE = 50;
export const CATCHUP_PAGE = 100;
/** The room list is refreshed this often (rooms created by others have no live event). */
export const ROOMS_REFRESH_MS = 30_000;
/** A typing indicator lasts this long after the last typing frame. */
export const TYPING_TTL_MS = 5_000;

export interface RoomData {
  messages: Message[];
  pending: PendingMessage[];
  hasOlder: boolean;
  loaded: boolean;
  loadingOlder: boolean;
  error?: string;
}

export interface State {
  me: User;
  conn: ConnState;
  rooms: Room[];
  lastSeq: Record<string, number>;
  read: Record<string, number>;
  data: Record<string, RoomData>;
  presence: Record<string, { online: UserRef[]; count: number }>;
  typing: Record<string, Record<string, { user: UserRef; until: number }>>;
  users: Record<string, UserRef>; // everyone seen, for autocomplete
  announcement: string;
  current: string | null;
}

const emptyRoom: RoomData = { messages: [], pending: [], hasOlder: false, loaded: false, loadingOlder: false };

export class ChatStore {
  state: State;
  readonly client: ChatClient;
  private listeners = new Set<() => void>();
  private filling = new Set<string>();
  private timers: number[] = [];

  constructor(
    readonly api: Api,
    me: User,
    wsUrl: () => string,
    private readonly storage: Storage,
  ) {
    this.state = {
      me,
      conn: 'connecting',
      rooms: [],
      lastSeq: {},
      read: loadRead(storage, me.id),
      data: {},
      presence: {},
      typing: {},
      users: { [me.id]: me },
      announcement: '',
      current: null,
    };
    this.client = new ChatClient({
      url: wsUrl,
      handlers: {
        state: (conn) => this.onState(conn),
        retrying: (n) => this.onRetrying(n),
        subscribed: (room, last, truncated, after) => this.onSubscribed(room, last, truncated, after),
        message: (m) => this.onMessages(m.room_id, [m], true),
        ack: (_id, m) => m && this.onMessages(m.room_id, [m], false),
        sendFailed: (id, room, _code, msg) => this.onSendFailed(room, id, msg),
        typing: (room, user) => this.onTyping(room, user),
        presence: (room, online, count) => this.set({ presence: { ...this.state.presence, [room]: { online, count } } }),
      },
    });
  }

  subscribe = (f: () => void) => {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  };

  getState = () => this.state;

  private set(p: Partial<State>) {
    this.state = { ...this.state, ...p };
    for (const f of this.listeners) f();
  }

  private setRoom(id: string, f: (d: RoomData) => RoomData) {
    const cur = this.state.data[id] ?? emptyRoom;
    const next = f(cur);
    if (next !== cur) this.set({ data: { ...this.state.data, [id]: next } });
  }

  start() {
    this.client.start();
    void this.loadRooms();
    this.timers.push(window.setInterval(() => void this.loadRooms(), ROOMS_REFRESH_MS));
    this.timers.push(window.setInterval(() => this.expireTyping(), 1000));
    window.addEventListener('online', this.onOnline);
    window.addEventListener('focus', this.onFocus);
  }

  stop() {
    this.client.stop();
    for (const t of this.timers) clearInterval(t);
    window.removeEventListener('online', this.onOnline);
    window.removeEventListener('focus', this.onFocus);
  }

  private onOnline = () => this.client.reconnectNow();
  private onFocus = () => void this.loadRooms();

  async loadRooms() {
    try {
      const rooms = await this.api.rooms();
      for (const r of rooms) this.client.subscribe(r.id);
      this.set({ rooms });
    } catch {
      // Shown by the connection badge; the next refresh retries.
    }
  }

  async createRoom(name: string, topic: string): Promise<Room> {
    const room = await this.api.createRoom(name, topic);
    this.client.subscribe(room.id);
    const rooms = [...this.state.rooms.filter((r) => r.id !== room.id), room].sort((a, b) =>
      a.name.toLowerCase().localeCompare(b.name.toLowerCase()),
    );
    this.set({ rooms, read: this.withRead(room.id, 0) });
    return room;
  }

  setCurrent(id: string | null) {
    if (this.state.current !== id) this.set({ current: id });
    if (id && !(this.state.data[id]?.loaded ?? false)) void this.loadLatest(id);
  }

  async loadLatest(id: string) {
    try {
      const page = await this.api.messages(id, { limit: PAGE_SIZE });
      this.setRoom(id, (d) => ({ ...d, loaded: true, hasOlder: page.has_more, error: undefined }));
      this.onMessages(id, page.messages, false);
    } catch (e) {
      this.setRoom(id, (d) => ({ ...d, error: e instanceof ApiError ? e.message : 'Could not load messages.' }));
    }
  }

  /** loadOlder fetches the page before the oldest loaded message; false when there is none. */
  async loadOlder(id: string): Promise<boolean> {
    const d = this.state.data[id];
    if (!d || !d.loaded || !d.hasOlder || d.loadingOlder || d.messages.length === 0) return false;
    this.setRoom(id, (x) => ({ ...x, loadingOlder: true }));
    try {
      const page = await this.api.messages(id, { before: d.messages[0].seq, limit: PAGE_SIZE });
      this.setRoom(id, (x) => ({ ...x, loadingOlder: false, hasOlder: page.has_more, messages: mergeMessages(x.messages, page.messages) }));
      this.learnUsers(page.messages);
      return true;
    } catch {
      this.setRoom(id, (x) => ({ ...x, loadingOlder: false }));
      return false;
    }
  }

  send(roomId: string, body: string) {
    const p: PendingMessage = { client_id: newClientId(), room_id: roomId, body, author: this.state.me, created_at: new Date().toISOString() };
    this.setRoom(roomId, (d) => ({ ...d, pending: [...d.pending, p] }));
    this.client.send(roomId, body, p.client_id);
  }

  discard(roomId: string, clientId: string) {
    this.client.discard(clientId);
    this.setRoom(roomId, (d) => ({ ...d, pending: d.pending.filter((p) => p.client_id !== clientId) }));
  }

  markRead(roomId: string) {
    const seq = this.state.lastSeq[roomId];
    if (seq !== undefined && this.state.read[roomId] !== seq) this.set({ read: this.withRead(roomId, seq) });
  }

  setMe(me: User) {
    this.set({ me });
  }

  private withRead(roomId: string, seq: number) {
    const read = { ...this.state.read, [roomId]: seq };
    saveRead(this.storage, this.state.me.id, read);
    return read;
  }

  private onState(conn: ConnState) {
    this.set({ conn });
    if (conn === 'online') void this.loadRooms(); // rooms created while we were away
  }

  /** Still failing after a few tries: maybe the session is gone (signed out elsewhere). */
  private onRetrying(attempt: number) {
    if (attempt !== 3) return;
    this.api.me().catch((e) => {
      if (e instanceof ApiError && e.status === 401) location.reload();
    });
  }

  private onSubscribed(room: string, last: number, truncated: boolean, after: number | undefined) {
    const lastSeq = Math.max(this.state.lastSeq[room] ?? 0, last);
    // A room seen for the first time counts as read up to now.
    const read = this.state.read[room] === undefined ? this.withRead(room, last) : this.state.read;
    this.set({ lastSeq: { ...this.state.lastSeq, [room]: lastSeq }, read });
    const d = this.state.data[room];
    if (!d?.loaded) return;
    const newest = d.messages.length ? d.messages[d.messages.length - 1].seq : 0;
    // The replay after a truncated catch-up starts later than we asked: page
    // the hole over HTTP. Otherwise fetch anything newer than the list holds.
    if (truncated && after !== undefined) void this.fill(room, after);
    else if (last > newest) void this.fill(room, newest);
  }

  private onMessages(room: string, msgs: Message[], live: boolean) {
    if (msgs.length === 0) return;
    const top = msgs[msgs.length - 1].seq;
    if (top > (this.state.lastSeq[room] ?? 0)) this.set({ lastSeq: { ...this.state.lastSeq, [room]: top } });
    for (const m of msgs) this.client.noteSeq(room, m.seq);
    this.learnUsers(msgs);
    this.setRoom(room, (d) => {
      const pending = settlePending(d.pending, msgs);
      if (!d.loaded) return pending === d.pending ? d : { ...d, pending };
      const messages = mergeMessages(d.messages, msgs);
      return messages === d.messages && pending === d.pending ? d : { ...d, messages, pending };
    });
    if (live) {
      const m = msgs[msgs.length - 1];
      if (m.author.id !== this.state.me.id) {
        const t = this.state.typing[room];
        if (t?.[m.author.id]) {
          const { [m.author.id]: _, ...rest } = t;
          this.set({ typing: { ...this.state.typing, [room]: rest } });
        }
        const roomName = this.state.rooms.find((r) => r.id === room)?.name ?? 'a room';
        const who = m.author.display_name || m.author.username;
        const tag = mentionsUser(m, this.state.me.username) ? ' (mentions you)' : '';
        this.set({ announcement: `${who} in ${roomName}${tag}: ${m.body.slice(0, 200)}` });
      }
    }
    const d = this.state.data[room];
    if (d?.loaded && gaps(d.messages).length) void this.fill(room);
  }

  /** fill pages over HTTP what is missing: after `from`, or the first hole in the list. */
  private async fill(room: string, from?: number) {
    if (this.filling.has(room)) return;
    this.filling.add(room);
    try {
      for (let guard = 0; guard < 50; guard++) {
        const d = this.state.data[room];
        if (!d?.loaded) return;
        const hole = gaps(d.messages)[0];
        const after = from ?? hole?.after;
        if (after === undefined) return;
        const page = await this.api.messages(room, { after, limit: CATCHUP_PAGE });
        from = undefined;
        this.onMessages(room, page.messages, false);
        if (!page.has_more && !gaps(this.state.data[room].messages).length) return;
        if (page.messages.length === 0) return;
      }
    } catch {
      // The next subscribe or message retries.
    } finally {
      this.filling.delete(room);
    }
  }

  private onSendFailed(room: string, clientId: string, msg: string) {
    this.setRoom(room, (d) => ({ ...d, pending: d.pending.map((p) => (p.client_id === clientId ? { ...p, failed: msg } : p)) }));
  }

  private onTyping(room: string, user: UserRef) {
    if (user.id === this.state.me.id) return;
    const t = { ...(this.state.typing[room] ?? {}), [user.id]: { user, until: Date.now() + TYPING_TTL_MS } };
    this.set({ typing: { ...this.state.typing, [room]: t } });
  }

  private expireTyping() {
    const now = Date.now();
    let changed = false;
    const typing: State['typing'] = {};
    for (const [room, users] of Object.entries(this.state.typing)) {
      const keep: Record<string, { user: UserRef; until: number }> = {};
      for (const [id, v] of Object.entries(users)) {
        if (v.until > now) keep[id] = v;
        else changed = true;
      }
      typing[room] = keep;
    }
    if (changed) this.set({ typing });
  }

  private learnUsers(msgs: Message[]) {
    let users: Record<string, UserRef> | null = null;
    for (const m of msgs) {
      if (!this.state.users[m.author.id] && !users?.[m.author.id]) {
        users ??= { ...this.state.users };
        users[m.author.id] = m.author;
      }
    }
    if (users) this.set({ users });
  }
}

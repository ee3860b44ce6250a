// ChatStore holds what the UI shows and the actions that change it. It
// feeds React through useSyncExternalStore: every change makes a new state
// object, unchanged parts keep their identity.

import { Api, ApiError } from '../lib/api';
import { ChatClient } from '../lib/client';
import { gaps, inWindow, mergeMessages, newClientId, settlePending } from '../lib/messages';
import { applyReaction, inRoom, withMe } from '../lib/changes';
import { afterSubscribe } from '../lib/resume';
import { ThreadBook, type ThreadData } from './threads';
import { UploadBook } from './uploads';
import { sendFile } from '../lib/uploads';
import { noteRecentEmoji } from '../lib/emoji';
import { mentionsUser } from '../lib/mentions';
import { ReadReporter } from '../lib/readreport';
import { asMyRoom, mergeRooms, onMessage, onRead, roomLabel, upsertRoom, withRoomInfo } from '../lib/rooms';
import { shouldNotify } from '../lib/notify';
import { mutedRooms, notifyWanted, setMuted } from '../lib/prefs';
import { OfflineCache, type Snapshot } from '../lib/offline';
import { t } from '../lib/strings';
import { navigate, roomPath } from './router';
import type { ConnState, Message, MyRoom, PendingMessage, ReactionEvent, Room, Upload, User, UserRef } from '../lib/types';

/** Page sizes: history pages shown while scrolling, catch-up pages after a gap. */
export const PAGE_SIZE = 50;
export const CATCHUP_PAGE = 100;
/** A jump to a message loads this many on each side of it. */
export const AROUND_HALF = 25;
/** My rooms are refetched this often, a safety net under the live frames (room_added, removed, read). */
export const ROOMS_REFRESH_MS = 60_000;
/** Reading is reported to the server at most this often per room. */
export const READ_DEBOUNCE_MS = 500;
/** A subscribe that found messages the last snapshot did not count refetches my rooms after this wait. */
const RECOUNT_MS = 1_000;
/** A typing indicator lasts this long after the last typing frame. */
export const TYPING_TTL_MS = 5_000;

export interface RoomData {
  messages: Message[];
  pending: PendingMessage[];
  hasOlder: boolean;
  loaded: boolean;
  loadingOlder: boolean;
  /** The list is a window that does not reach the newest message (a jump): newer pages load on scrolling down. */
  hasNewer?: boolean;
  loadingNewer?: boolean;
  error?: string;
  /** Shown from the offline cache: replaced by a fresh page once connected. */
  cached?: boolean;
}

export interface State {
  me: User;
  conn: ConnState;
  /** When the next reconnect attempt starts (Date.now() ms), while reconnecting. */
  retryAt: number | null;
  rooms: MyRoom[]; // the rooms I am a member of, with my read state
  roomsLoaded: boolean;
  /** Rooms open by URL that I am not a member of: a public room, or 'missing' (absent or private). */
  previews: Record<string, Room | 'missing'>;
  /** The last room I left or was removed from; the view showing it goes home. */
  gone: { roomId: string } | null;
  data: Record<string, RoomData>;
  presence: Record<string, { online: UserRef[]; count: number }>;
  typing: Record<string, Record<string, { user: UserRef; until: number }>>;
  users: Record<string, UserRef>; // everyone seen, for autocomplete
  announcement: string;
  current: string | null;
  /** The title of the screen shown; the tab title adds the unread count. */
  pageTitle: string;
  /** Rooms whose desktop notifications are muted (this browser). */
  muted: Set<string>;
  /** The thread open beside (or over) its room, and the threads loaded, by threadKey. */
  thread: { roomId: string; seq: number } | null;
  threads: Record<string, ThreadData>;
}

const emptyRoom: RoomData = { messages: [], pending: [], hasOlder: false, loaded: false, loadingOlder: false };

export class ChatStore {
  state: State;
  readonly client: ChatClient;
  private listeners = new Set<() => void>();
  private filling = new Set<string>();
  private timers: number[] = [];
  private readonly reads: ReadReporter;
  private recountTimer = 0;
  private readonly threadBook: ThreadBook;
  private readonly cache: OfflineCache;
  /** The files chosen for each room's next message. */
  readonly uploads: UploadBook;
  /** Per room, bumped when a jump replaces the list: pages asked for before it are dropped. */
  private epochs = new Map<string, number>();

  /**
   * snapshot: what the offline cache held, when the client opened without
   * reaching the server. onSignedOut: the server ended this session.
   */
  constructor(
    readonly api: Api,
    me: User,
    wsUrl: () => string,
    private readonly storage: Storage,
    snapshot?: Snapshot | null,
    private readonly onSignedOut?: () => void,
  ) {
    this.cache = new OfflineCache(storage);
    const cached = snapshot?.me.id === me.id ? snapshot : null;
    this.state = {
      me,
      conn: 'connecting',
      retryAt: null,
      rooms: cached?.rooms ?? [],
      roomsLoaded: !!cached,
      previews: {},
      gone: null,
      data: Object.fromEntries((cached?.pages ?? []).map((p) => [p.roomId, { ...emptyRoom, messages: p.messages, hasOlder: p.hasOlder, loaded: true, cached: true }])),
      presence: {},
      typing: {},
      users: { [me.id]: me },
      announcement: '',
      current: null,
      pageTitle: 'OpenChat',
      muted: mutedRooms(storage),
      thread: null,
      threads: {},
    };
    this.uploads = new UploadBook((file, progress) => sendFile(api.uploadTarget(), file, progress));
    this.threadBook = new ThreadBook(api, () => this.state.threads, (threads) => this.set({ threads }), () => this.state.me.id);
    this.reads = new ReadReporter((room, seq) => this.api.markRead(room, seq), { setTimeout: (f, ms) => window.setTimeout(f, ms), clearTimeout: (id) => window.clearTimeout(id as number) }, READ_DEBOUNCE_MS);
    this.client = new ChatClient({
      url: wsUrl,
      handlers: {
        state: (conn) => this.onState(conn),
        retrying: (n) => this.onRetrying(n),
        subscribed: (room, last, truncated, after, afterChange) => this.onSubscribed(room, last, truncated, after, afterChange),
        message: (m) => this.onMessages(m.room_id, [m], true),
        updated: (m) => this.onMessages(m.room_id, [m], false),
        reaction: (e) => this.onReaction(e),
        ack: (_id, m) => m && this.onMessages(m.room_id, [m], false),
        sendFailed: (id, room, _code, msg) => this.onSendFailed(room, id, msg),
        typing: (room, user) => this.onTyping(room, user),
        presence: (room, online, count) => this.set({ presence: { ...this.state.presence, [room]: { online, count } } }),
        subscribeFailed: (room) => this.onSubscribeFailed(room),
        removed: (room) => this.dropRoom(room, t.removedFromRoom),
        read: (room, seq) => this.onReadFrame(room, seq),
        roomAdded: (room) => this.addRoom(room),
        roomChanged: (room) => this.onRoomChanged(room),
        signedOut: () => this.onSignedOut?.(),
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
    // Read positions used to live in localStorage; the server keeps them now.
    this.storage.removeItem('openchat:read:' + this.state.me.id);
    this.client.start();
    void this.loadRooms();
    this.timers.push(window.setInterval(() => void this.loadRooms(), ROOMS_REFRESH_MS));
    this.timers.push(window.setInterval(() => this.expireTyping(), 1000));
    if (!navigator.onLine) this.client.setNetwork(false);
    this.client.setVisible(document.visibilityState === 'visible');
    window.addEventListener('online', this.onOnline);
    window.addEventListener('offline', this.onOffline);
    document.addEventListener('visibilitychange', this.onVisibility);
    window.addEventListener('focus', this.onFocus);
  }

  stop() {
    this.client.stop();
    for (const id of this.timers) clearInterval(id);
    this.reads.stop();
    clearTimeout(this.recountTimer);
    window.removeEventListener('online', this.onOnline);
    window.removeEventListener('offline', this.onOffline);
    document.removeEventListener('visibilitychange', this.onVisibility);
    window.removeEventListener('focus', this.onFocus);
  }

  private onOnline = () => this.client.setNetwork(true);
  private onOffline = () => this.client.setNetwork(false);
  private onVisibility = () => this.client.setVisible(document.visibilityState === 'visible');

  /** reconnectNow: the user pressed "Retry now". */
  reconnectNow() {
    this.client.reconnectNow();
  }
  private onFocus = () => void this.loadRooms();

  async loadRooms() {
    try {
      const server = await this.api.myRooms();
      for (const r of server) this.reads.known(r.id, r.last_read_seq);
      const rooms = mergeRooms(this.state.rooms, server);
      const kept = new Set(rooms.map((r) => r.id));
      for (const r of this.state.rooms) if (!kept.has(r.id) && r.id !== this.state.current) this.client.unsubscribe(r.id);
      for (const r of rooms) this.client.subscribe(r.id);
      this.set({ rooms, roomsLoaded: true, previews: this.withoutPreviews(kept) });
      this.cache.saveRooms(this.state.me, rooms);
    } catch {
      // Shown by the connection badge; the next refresh retries.
    }
  }

  /** room finds a room I am a member of. */
  room(id: string): MyRoom | undefined {
    return this.state.rooms.find((r) => r.id === id);
  }

  async createRoom(name: string, topic: string, visibility: 'public' | 'private'): Promise<Room> {
    const room = await this.api.createRoom(name, topic, visibility);
    this.addRoom(asMyRoom(room, 'owner'));
    return room;
  }

  /** renameRoom sets a room's name and topic; the listed room changes at once (the room_changed frame repeats it). */
  async renameRoom(id: string, name: string, topic: string): Promise<void> {
    this.onRoomChanged(await this.api.updateRoom(id, { name, topic }));
  }

  /** joinRoom makes me a member of a public room. */
  async joinRoom(room: Room): Promise<void> {
    await this.api.addMember(room.id, this.state.me.id);
    this.addRoom(asMyRoom(room));
    void this.loadRooms(); // my exact read state in it
  }

  /** leaveRoom ends my membership. */
  async leaveRoom(id: string): Promise<void> {
    await this.api.removeMember(id, this.state.me.id);
    this.dropRoom(id, t.leftRoom);
  }

  /** openDM finds or creates the direct room with these people and returns it. */
  async openDM(userIds: string[]): Promise<Room> {
    const room = await this.api.openDM(userIds);
    this.addRoom(asMyRoom(room));
    return room;
  }

  /** loadPreview fetches a room open by URL that is not one of mine. */
  async loadPreview(id: string) {
    if (this.room(id) || this.state.previews[id]) return;
    try {
      const room = await this.api.room(id);
      if (this.room(id)) return;
      this.set({ previews: { ...this.state.previews, [id]: room } });
      if (this.state.current === id) this.client.subscribe(id);
    } catch (e) {
      if (e instanceof ApiError && (e.status === 404 || e.status === 403)) this.set({ previews: { ...this.state.previews, [id]: 'missing' } });
    }
  }

  private addRoom(room: MyRoom) {
    this.reads.known(room.id, room.last_read_seq);
    this.client.subscribe(room.id);
    const { [room.id]: _, ...previews } = this.state.previews;
    this.set({ rooms: upsertRoom(this.state.rooms, room), previews, gone: this.state.gone?.roomId === room.id ? null : this.state.gone });
  }

  /** dropRoom forgets a room I am no longer in; a view showing it goes home. */
  private dropRoom(id: string, say: (name: string) => string) {
    const room = this.room(id);
    this.client.unsubscribe(id);
    const { [id]: _d, ...data } = this.state.data;
    const { [id]: _p, ...previews } = this.state.previews;
    this.reads.forget(id);
    this.cache.forgetRoom(this.state.me, id);
    this.set({
      rooms: this.state.rooms.filter((r) => r.id !== id),
      data,
      previews,
      gone: { roomId: id },
      announcement: room ? say(roomLabel(room)) : this.state.announcement,
    });
  }

  private withoutPreviews(ids: Set<string>) {
    if (!Object.keys(this.state.previews).some((id) => ids.has(id))) return this.state.previews;
    return Object.fromEntries(Object.entries(this.state.previews).filter(([id]) => !ids.has(id)));
  }

  private onSubscribeFailed(id: string) {
    if (this.room(id)) this.dropRoom(id, t.removedFromRoom);
    else this.set({ previews: { ...this.state.previews, [id]: 'missing' } });
  }

  /** onRoomChanged takes a room's new name, topic and archive state, listed or previewed. */
  private onRoomChanged(info: Room) {
    this.updateRoom(info.id, (r) => withRoomInfo(r, info));
    const p = this.state.previews[info.id];
    if (p && p !== 'missing') this.set({ previews: { ...this.state.previews, [info.id]: withRoomInfo(p, info) } });
  }

  private onReadFrame(id: string, seq: number) {
    this.reads.known(id, seq);
    this.updateRoom(id, (r) => onRead(r, seq));
  }

  private updateRoom(id: string, f: (r: MyRoom) => MyRoom) {
    const i = this.state.rooms.findIndex((r) => r.id === id);
    if (i < 0) return;
    const next = f(this.state.rooms[i]);
    if (next === this.state.rooms[i]) return;
    const rooms = this.state.rooms.slice();
    rooms[i] = next;
    this.set({ rooms });
  }

  setCurrent(id: string | null) {
    const prev = this.state.current;
    if (prev !== id) {
      // A public room read without being a member is followed only while open.
      if (prev && !this.room(prev)) this.client.unsubscribe(prev);
      if (prev) this.keepPage(prev);
      this.set({ current: id, gone: null });
    }
    if (id && this.state.previews[id] && this.state.previews[id] !== 'missing') this.client.subscribe(id);
    if (id && !(this.state.data[id]?.loaded ?? false)) void this.loadLatest(id);
  }

  /** loadLatest fetches the newest page; reset drops what the list held first (a truncated resume). */
  async loadLatest(id: string, reset = false) {
    const epoch = this.epoch(id);
    try {
      const page = await this.api.messages(id, { limit: PAGE_SIZE });
      if (epoch !== this.epoch(id)) return; // a jump replaced the list meanwhile
      // A reset keeps only what the page covers (a frame applied while the
      // page was on its way may be newer than the page: the later change wins).
      const first = page.messages[0]?.seq ?? Infinity;
      this.setRoom(id, (d) => ({ ...d, loaded: true, cached: undefined, hasOlder: d.loaded && !reset ? d.hasOlder : page.has_more, error: undefined, messages: reset ? d.messages.filter((m) => m.seq >= first) : d.messages }));
      this.onMessages(id, page.messages, false);
      this.keepPage(id);
    } catch (e) {
      // Offline with a cached page: keep showing it; the subscribe on reconnect reloads.
      if (this.state.data[id]?.cached) return;
      this.setRoom(id, (d) => ({ ...d, error: e instanceof ApiError ? e.message : t.couldNotLoadMessages }));
    }
  }

  /** loadOlder fetches the page before the oldest loaded message; false when there is none. */
  async loadOlder(id: string): Promise<boolean> {
    const d = this.state.data[id];
    if (!d || !d.loaded || !d.hasOlder || d.loadingOlder || d.messages.length === 0) return false;
    this.setRoom(id, (x) => ({ ...x, loadingOlder: true }));
    const epoch = this.epoch(id);
    try {
      const page = await this.api.messages(id, { before: d.messages[0].seq, limit: PAGE_SIZE });
      if (epoch !== this.epoch(id)) return false;
      const msgs = page.messages.map((m) => withMe(m, this.state.me.id));
      this.setRoom(id, (x) => ({ ...x, loadingOlder: false, hasOlder: page.has_more, messages: mergeMessages(x.messages, msgs) }));
      this.learnUsers(page.messages);
      return true;
    } catch {
      this.setRoom(id, (x) => ({ ...x, loadingOlder: false }));
      return false;
    }
  }

  private epoch(id: string): number {
    return this.epochs.get(id) ?? 0;
  }

  /**
   * loadAround replaces the room's list with the messages around seq (a
   * jump from search or a mention): two pages read at once, up to seq and
   * after it. Live messages beyond the window are left to loadNewer.
   */
  async loadAround(id: string, seq: number): Promise<void> {
    const epoch = this.epoch(id) + 1;
    this.epochs.set(id, epoch);
    try {
      const [before, after] = await Promise.all([
        this.api.messages(id, { before: seq + 1, limit: AROUND_HALF }),
        this.api.messages(id, { after: seq, limit: AROUND_HALF }),
      ]);
      if (epoch !== this.epoch(id)) return;
      const msgs = [...before.messages, ...after.messages].map((m) => withMe(m, this.state.me.id));
      this.setRoom(id, (d) => ({ ...d, loaded: true, loadingOlder: false, loadingNewer: false, error: undefined, hasOlder: before.has_more, hasNewer: after.has_more, messages: mergeMessages([], msgs) }));
      this.learnUsers(msgs);
      if (!after.has_more) void this.reachedEnd(id);
    } catch (e) {
      if (epoch === this.epoch(id)) this.setRoom(id, (d) => ({ ...d, error: e instanceof ApiError ? e.message : t.couldNotLoadMessages }));
    }
  }

  /** loadNewer fetches the page after the newest loaded message of a window; false when there is none. */
  async loadNewer(id: string): Promise<boolean> {
    const d = this.state.data[id];
    if (!d?.hasNewer || d.loadingNewer || d.messages.length === 0) return false;
    this.setRoom(id, (x) => ({ ...x, loadingNewer: true }));
    const epoch = this.epoch(id);
    try {
      const page = await this.api.messages(id, { after: d.messages[d.messages.length - 1].seq, limit: PAGE_SIZE });
      if (epoch !== this.epoch(id)) return false;
      const msgs = page.messages.map((m) => withMe(m, this.state.me.id));
      this.setRoom(id, (x) => ({ ...x, loadingNewer: false, hasNewer: page.has_more, messages: mergeMessages(x.messages, msgs) }));
      this.learnUsers(msgs);
      if (!page.has_more) void this.reachedEnd(id);
      return true;
    } catch {
      this.setRoom(id, (x) => ({ ...x, loadingNewer: false }));
      return false;
    }
  }

  /**
   * reachedEnd: a window just reached the newest message. Live messages
   * that arrived while the last page was on its way were not kept (they
   * were beyond the window): one more read picks them up, so the list
   * rejoins the live stream with no gap.
   */
  private async reachedEnd(id: string) {
    const d = this.state.data[id];
    const last = d?.messages[d.messages.length - 1]?.seq;
    if (last !== undefined) await this.fill(id, last);
  }

  /** toLatest leaves a window for the newest page (Jump to latest, or sending from a window). */
  async toLatest(id: string): Promise<void> {
    if (!this.state.data[id]?.hasNewer) return;
    this.epochs.set(id, this.epoch(id) + 1);
    this.setRoom(id, (d) => ({ ...d, messages: [], loaded: false, hasNewer: false, loadingNewer: false, loadingOlder: false }));
    await this.loadLatest(id);
    await this.reachedEnd(id); // what arrived while the list was empty
  }

  send(roomId: string, body: string) {
    void this.toLatest(roomId); // my message shows at the end: go there
    const p: PendingMessage = { client_id: newClientId(), room_id: roomId, body, author: this.state.me, created_at: new Date().toISOString() };
    this.setRoom(roomId, (d) => ({ ...d, pending: [...d.pending, p] }));
    this.client.send(roomId, body, p.client_id);
  }

  /** sendWithFiles posts a message with attachments over HTTP (the WebSocket send carries text only). */
  sendWithFiles(roomId: string, body: string, attachments: Upload[]) {
    const p: PendingMessage = { client_id: newClientId(), room_id: roomId, body, author: this.state.me, created_at: new Date().toISOString(), attachments };
    void this.toLatest(roomId);
    this.setRoom(roomId, (d) => ({ ...d, pending: [...d.pending, p] }));
    void this.postWithFiles(p);
  }

  private async postWithFiles(p: PendingMessage) {
    try {
      const m = await this.api.postMessage(p.room_id, { body: p.body, client_id: p.client_id, attachments: (p.attachments ?? []).map((a) => a.id) });
      this.onMessages(p.room_id, [m], false);
    } catch (e) {
      this.onSendFailed(p.room_id, p.client_id, e instanceof ApiError ? e.message : t.cannotReachServer);
    }
  }

  /** retry sends a refused message again, under the same client_id (the server deduplicates). */
  retry(roomId: string, clientId: string) {
    const p = this.state.data[roomId]?.pending.find((x) => x.client_id === clientId);
    if (!p) return;
    this.setRoom(roomId, (d) => ({ ...d, pending: d.pending.map((x) => (x.client_id === clientId ? { ...x, failed: undefined } : x)) }));
    if (p.attachments?.length) void this.postWithFiles(p);
    else this.client.send(roomId, p.body, clientId);
  }

  discard(roomId: string, clientId: string) {
    this.client.discard(clientId);
    this.setRoom(roomId, (d) => ({ ...d, pending: d.pending.filter((p) => p.client_id !== clientId) }));
  }

  /**
   * markRead: the newest loaded message of the room is on screen. The
   * badge clears at once; the server hears of it after READ_DEBOUNCE_MS,
   * only ever forward.
   */
  markRead(roomId: string) {
    if (this.state.data[roomId]?.hasNewer) return; // the end of a window is not the end of the room
    const msgs = this.state.data[roomId]?.messages;
    const seq = msgs?.length ? msgs[msgs.length - 1].seq : 0;
    if (!seq || !this.room(roomId)) return;
    this.updateRoom(roomId, (r) => onRead(r, seq));
    this.reads.read(roomId, seq);
  }

  /** edit changes my message's body; the answer (and the frame) carry the edited message. */
  async edit(roomId: string, seq: number, body: string): Promise<void> {
    const m = await this.api.editMessage(roomId, seq, body);
    this.onMessages(roomId, [m], false);
  }

  /** remove deletes a message; the message_deleted frame brings the tombstone. */
  async remove(roomId: string, seq: number): Promise<void> {
    await this.api.deleteMessage(roomId, seq);
  }

  /** react adds (on) or takes back an emoji; the reaction frame updates the counts. */
  async react(roomId: string, seq: number, emoji: string, on: boolean): Promise<void> {
    if (on) noteRecentEmoji(this.storage, emoji);
    await this.api.react(roomId, seq, emoji, on);
  }

  /** reply posts into a message's thread, and to the room as well if alsoToRoom. */
  async reply(roomId: string, seq: number, body: string, alsoToRoom: boolean): Promise<void> {
    const m = await this.api.postMessage(roomId, { body, client_id: newClientId(), reply_to: seq, also_to_room: alsoToRoom || undefined });
    this.onMessages(roomId, [m], false);
  }

  openThread(roomId: string, seq: number) {
    this.set({ thread: { roomId, seq } });
    void this.threadBook.load(roomId, seq);
  }

  closeThread() {
    if (this.state.thread) this.set({ thread: null });
  }

  loadMoreReplies(roomId: string, seq: number) {
    void this.threadBook.load(roomId, seq, true);
  }

  setPageTitle(pageTitle: string) {
    if (pageTitle !== this.state.pageTitle) this.set({ pageTitle });
  }

  setMuted(roomId: string, muted: boolean) {
    this.set({ muted: setMuted(this.storage, roomId, muted) });
  }

  setMe(me: User) {
    this.set({ me });
  }

  private onState(conn: ConnState) {
    // Who is online is unknown without a connection: show nothing rather than stale figures.
    this.set({ conn, retryAt: this.client.retryAt, presence: conn === 'online' ? this.state.presence : {} });
    if (conn === 'online') void this.loadRooms(); // rooms created while we were away
  }

  /** Still failing after a few tries: maybe the session is gone (signed out elsewhere). */
  private onRetrying(attempt: number) {
    this.set({ retryAt: this.client.retryAt });
    if (attempt !== 3) return;
    this.api.me().catch((e) => {
      if (e instanceof ApiError && e.status === 401) location.reload();
    });
  }

  private onSubscribed(room: string, last: number, truncated: boolean, after: number | undefined, afterChange?: number) {
    // Without a replay, messages after the snapshot and before this
    // subscribe were never counted: ask the server for the figures.
    const r = this.room(room);
    const resumed = after !== undefined || afterChange !== undefined;
    if (r && last > r.last_seq && (!resumed || truncated)) this.recountSoon();
    const d = this.state.data[room];
    if (!d?.loaded || d.hasNewer) return; // a window catches up by paging (loadNewer)
    if (d.cached) {
      // What the cache showed may have changed anywhere: start from a fresh page.
      void this.loadLatest(room, true);
      return;
    }
    const newest = d.messages.length ? d.messages[d.messages.length - 1].seq : 0;
    const next = afterSubscribe({ lastSeq: last, truncated, afterSeq: after, afterChange }, newest);
    if (next.kind === 'reset') {
      void this.loadLatest(room, true);
      this.threadBook.reloadRoom(room);
    } else if (next.kind === 'reload') void this.loadLatest(room);
    else if (next.kind === 'fill') void this.fill(room, next.after);
  }

  private recountSoon() {
    if (this.recountTimer) return;
    this.recountTimer = window.setTimeout(() => {
      this.recountTimer = 0;
      void this.loadRooms();
    }, RECOUNT_MS);
  }

  private onReaction(e: ReactionEvent) {
    const meId = this.state.me.id;
    this.setRoom(e.room_id, (d) => {
      const messages = applyReaction(d.messages, e, meId);
      return messages === d.messages ? d : { ...d, messages };
    });
    this.threadBook.reaction(e);
  }

  private onMessages(room: string, incoming: Message[], live: boolean) {
    if (incoming.length === 0) return;
    const me = this.state.me;
    const msgs = incoming.map((m) => withMe(m, me.id));
    this.threadBook.messages(room, msgs);
    const visible = this.state.current === room && document.visibilityState === 'visible';
    this.updateRoom(room, (r) =>
      msgs.reduce((acc, m) => onMessage(acc, { seq: m.seq, mine: m.author.id === me.id, mentionsMe: mentionsUser(m, me.username), visible, threadOnly: !inRoom(m) }), r),
    );
    // Posting marks read for the author on the server too (not a thread-only reply).
    for (const m of msgs) if (m.author.id === me.id && inRoom(m)) this.reads.known(room, m.seq);
    for (const m of msgs) this.client.noteSeq(room, m.seq);
    this.learnUsers(msgs);
    this.setRoom(room, (d) => {
      const pending = settlePending(d.pending, msgs);
      if (!d.loaded) return pending === d.pending ? d : { ...d, pending };
      const messages = mergeMessages(d.messages, d.hasNewer ? inWindow(d.messages, msgs) : msgs);
      return messages === d.messages && pending === d.pending ? d : { ...d, messages, pending };
    });
    if (live) {
      const m = msgs[msgs.length - 1];
      if (m.author.id !== this.state.me.id && !m.deleted) {
        const typers = this.state.typing[room];
        if (typers?.[m.author.id]) {
          const { [m.author.id]: _, ...rest } = typers;
          this.set({ typing: { ...this.state.typing, [room]: rest } });
        }
        const r = this.room(room);
        // A direct room is named by its people: "Ada in Ada" says nothing.
        const roomName = r?.visibility === 'direct' ? t.aDirectMessage : r ? roomLabel(r) : t.aRoom;
        const who = m.author.display_name || m.author.username;
        const mentionsMe = mentionsUser(m, this.state.me.username);
        const say = mentionsMe ? t.announceMention : t.announce;
        this.set({ announcement: say(who, roomName, m.body.slice(0, 200)) });
        if (r) this.maybeNotify(m, r, mentionsMe, who);
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

  /** maybeNotify raises a desktop notification for a mention or a direct message while the page is hidden. */
  private maybeNotify(m: Message, r: MyRoom, mentionsMe: boolean, who: string) {
    const allowed = notifyWanted(this.storage) && typeof Notification !== 'undefined' && Notification.permission === 'granted';
    const ctx = { hidden: document.visibilityState !== 'visible', allowed, muted: this.state.muted.has(r.id), meId: this.state.me.id, mentionsMe };
    if (!shouldNotify(m, r, ctx)) return;
    try {
      const n = new Notification(r.visibility === 'direct' ? t.notifyDirect(who) : t.notifyMention(who, roomLabel(r)), { body: m.body.slice(0, 200), tag: r.id });
      n.onclick = () => {
        window.focus();
        navigate(roomPath(r.id, m.seq));
        n.close();
      };
    } catch {
      // Some browsers allow notifications only from a service worker: none then.
    }
  }

  /** keepPage saves a room's newest page for opening offline (only rooms of mine, only live data). */
  private keepPage(id: string) {
    const d = this.state.data[id];
    if (d?.loaded && !d.cached && this.room(id)) this.cache.savePage(this.state.me, id, d.messages, d.hasOlder);
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

// ChatClient keeps one WebSocket to the server alive: it reconnects with
// backoff, resubscribes every room with the last change it applied (the
// server replays every message changed since: posts, edits, deletions,
// reactions), and resends unacknowledged messages with their
// original client_id (the server deduplicates). It knows nothing of React.

import { BACKOFF_RESET_MS, backoffDelay } from './backoff';
import type { ConnState, Message, MyRoom, ReactionEvent, Room, UserRef } from './types';

/**
 * The client pings a connection quiet for PING_INTERVAL_MS and drops it if
 * no frame comes back within PONG_TIMEOUT_MS: a dead connection shows in
 * under 5 s while the page is visible. A hidden page pings rarely (the
 * browser throttles its timers anyway) and probes at once when shown again.
 */
export const PING_INTERVAL_MS = 2_500;
export const PONG_TIMEOUT_MS = 2_000;
export const HIDDEN_PING_INTERVAL_MS = 25_000;
/** A send refused with rate_limited is tried again after this wait. */
export const RATE_LIMIT_RETRY_MS = 2_000;

export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export interface Handlers {
  state(s: ConnState): void;
  hello(user: UserRef, instance: string): void;
  /** retrying tells that reconnect attempt n (1-based) failed; the client's retryAt says when the next one starts. */
  retrying(attempt: number): void;
  /**
   * afterSeq / afterChange is what the client asked from (at most one is
   * set); truncated means a gap remains after it.
   */
  subscribed(roomId: string, lastSeq: number, truncated: boolean, afterSeq: number | undefined, afterChange?: number): void;
  message(m: Message): void;
  /** A message changed (edited, deleted: the tombstone, its reply count): it replaces the one held, or is inserted. */
  updated(m: Message): void;
  reaction(e: ReactionEvent): void;
  ack(clientId: string, m: Message): void;
  sendFailed(clientId: string, roomId: string, code: string, message: string): void;
  typing(roomId: string, user: UserRef): void;
  presence(roomId: string, online: UserRef[], count: number): void;
  error(code: string, message: string, ref: string | undefined): void;
  /** The server refused a subscribe (not_found: a private room I am not in); it is dropped. */
  subscribeFailed(roomId: string, code: string, message: string): void;
  /** I left or was removed from a room; the server ended its subscription. */
  removed(roomId: string): void;
  /** My read position moved (another device of mine). */
  read(roomId: string, seq: number): void;
  /** I was added to a room (invited, joined, a DM was created). */
  roomAdded(room: MyRoom): void;
  /** A subscribed room was renamed, got a new topic, or was archived or unarchived. */
  roomChanged(room: Room): void;
  /** The server closed with 4001: my session ended (signed out elsewhere). The client has stopped. */
  signedOut(): void;
}

/** The close code of a connection whose session ended (docs/protocol.md): never reconnect with it. */
export const CLOSE_SIGNED_OUT = 4001;

/** Subscribe frames carry ref SUB_REF + room id, so a refusal names its room. */
export const SUB_REF = 'sub:';

export interface Timers {
  setTimeout(f: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

export interface ClientOptions {
  url: () => string;
  createSocket?: (url: string) => SocketLike;
  handlers?: Partial<Handlers>;
  timers?: Timers;
  random?: () => number;
  now?: () => number;
}

const OPEN = 1;

/** Where a room's stream stands: the last seq seen and the highest change applied. */
interface Position {
  seq?: number;
  change?: number;
}

interface Outgoing {
  room_id: string;
  body: string;
}

export class ChatClient {
  state: ConnState = 'offline';
  /** How many reconnects failed in a row (reset by a connection that stays up BACKOFF_RESET_MS after hello). */
  attempt = 0;
  private ws: SocketLike | null = null;
  private ready = false; // the current socket said hello
  private running = false;
  private me: UserRef | null = null;
  private rooms = new Map<string, Position>(); // room → where its stream stands
  private asked = new Map<string, Position>(); // room → what the pending subscribe asked from
  private outbox = new Map<string, Outgoing>(); // client_id → unacked send, in send order
  private retryTimer: unknown = null;
  /** When the scheduled reconnect fires (ms since epoch per now()), or null. */
  retryAt: number | null = null;
  /** The browser says there is no network: wait for it instead of retrying. */
  private netDown = false;
  private visible = true;
  private pingTimer: unknown = null;
  private pongTimer: unknown = null;
  private stableTimer: unknown = null;
  private readonly opts: Required<Omit<ClientOptions, 'handlers'>> & { handlers: Partial<Handlers> };

  constructor(opts: ClientOptions) {
    this.opts = {
      createSocket: (u) => new WebSocket(u) as unknown as SocketLike,
      timers: {
        setTimeout: (f, ms) => globalThis.setTimeout(f, ms),
        clearTimeout: (id) => globalThis.clearTimeout(id as number),
      },
      random: Math.random,
      now: Date.now,
      handlers: {},
      ...opts,
    };
  }

  /** start connects and keeps reconnecting until stop. */
  start() {
    if (this.running) return;
    this.running = true;
    this.connect();
  }

  stop() {
    this.running = false;
    this.retryAt = null;
    this.clearTimers();
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close(1000, 'bye');
    this.setState('offline');
  }

  /** reconnectNow skips the backoff wait (the browser came back online, or the user asked). */
  reconnectNow() {
    // An attempt under way (no retry scheduled) is left to finish.
    if (!this.running || this.netDown || this.state === 'online' || this.retryAt === null) return;
    this.connectNow();
  }

  private connectNow() {
    this.opts.timers.clearTimeout(this.retryTimer);
    this.attempt = 0;
    this.connect();
  }

  /**
   * setNetwork follows the browser's online/offline events: offline drops
   * the socket at once (it may linger half-dead for minutes) and stops
   * retrying; online reconnects without waiting for the backoff.
   */
  setNetwork(online: boolean) {
    if (online === !this.netDown) return;
    this.netDown = !online;
    if (!this.running) return;
    if (online) {
      this.connectNow();
      return;
    }
    this.clearTimers();
    this.retryAt = null;
    const ws = this.ws;
    this.ws = null;
    this.ready = false;
    if (ws) ws.close(1000, 'offline');
    this.setState('offline');
  }

  /** setVisible: a page shown again checks its connection at once, or skips a backoff wait. */
  setVisible(visible: boolean) {
    if (visible === this.visible) return;
    this.visible = visible;
    if (!this.running) return;
    if (this.ws === null) {
      if (visible) this.reconnectNow();
      return;
    }
    if (visible && this.isOpen()) this.probe();
    else this.alive();
  }

  subscribe(roomId: string) {
    if (this.rooms.has(roomId)) return;
    this.rooms.set(roomId, {});
    if (this.isOpen()) this.writeSubscribe(roomId);
  }

  unsubscribe(roomId: string) {
    if (!this.rooms.delete(roomId)) return;
    if (this.isOpen()) this.write({ type: 'unsubscribe', room_id: roomId });
  }

  lastSeq(roomId: string): number | undefined {
    return this.rooms.get(roomId)?.seq;
  }

  lastChange(roomId: string): number | undefined {
    return this.rooms.get(roomId)?.change;
  }

  /** noteSeq records messages fetched over HTTP, so a resubscribe by seq asks only for newer ones. */
  noteSeq(roomId: string, seq: number) {
    const p = this.rooms.get(roomId);
    if (p && (p.seq === undefined || seq > p.seq)) p.seq = seq;
  }

  /**
   * noteChange records a change applied from the stream. Only frames count:
   * an HTTP page or an ack says nothing of the changes before it.
   */
  private noteChange(roomId: string, change: unknown) {
    const p = this.rooms.get(roomId);
    if (p && typeof change === 'number' && (p.change === undefined || change > p.change)) p.change = change;
  }

  /** send queues a message until the server acknowledges it, across reconnects. */
  send(roomId: string, body: string, clientId: string) {
    this.outbox.delete(clientId); // a retry goes to the end, in send order
    this.outbox.set(clientId, { room_id: roomId, body });
    if (this.isOpen()) this.write({ type: 'send', room_id: roomId, body, client_id: clientId });
  }

  /** discard forgets a queued send (the user gave up on it). */
  discard(clientId: string) {
    this.outbox.delete(clientId);
  }

  pending(): string[] {
    return Array.from(this.outbox.keys());
  }

  typing(roomId: string) {
    if (this.isOpen()) this.write({ type: 'typing', room_id: roomId });
  }

  private isOpen() {
    return this.ready && this.ws !== null && this.ws.readyState === OPEN;
  }

  private writeSubscribe(roomId: string) {
    const { seq, change } = this.rooms.get(roomId) ?? {};
    const ref = SUB_REF + roomId;
    // By change when known (everything since); by seq only from a server
    // that gave no last_change (new messages only).
    if (change !== undefined) {
      this.asked.set(roomId, { change });
      this.write({ type: 'subscribe', room_id: roomId, after_change: change, ref });
    } else if (seq !== undefined) {
      this.asked.set(roomId, { seq });
      this.write({ type: 'subscribe', room_id: roomId, after_seq: seq, ref });
    } else {
      this.asked.set(roomId, {});
      this.write({ type: 'subscribe', room_id: roomId, ref });
    }
  }

  private write(frame: object) {
    try {
      this.ws?.send(JSON.stringify(frame));
    } catch {
      // The close handler reconnects and the outbox resends.
    }
  }

  private setState(s: ConnState) {
    if (this.state === s) return;
    this.state = s;
    this.opts.handlers.state?.(s);
  }

  private connect() {
    this.retryAt = null;
    this.setState(this.attempt === 0 && this.me === null ? 'connecting' : 'reconnecting');
    this.ready = false;
    let ws: SocketLike;
    try {
      ws = this.opts.createSocket(this.opts.url());
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onmessage = (ev) => {
      if (this.ws !== ws) return;
      this.alive();
      if (typeof ev.data === 'string') this.onFrame(ev.data);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if ((ev as { code?: number } | null)?.code === CLOSE_SIGNED_OUT) {
        this.stop();
        this.opts.handlers.signedOut?.();
        return;
      }
      this.scheduleReconnect();
    };
    ws.onerror = () => {
      // A close event follows.
    };
    ws.onopen = () => {
      if (this.ws === ws) this.alive();
    };
  }

  private scheduleReconnect() {
    this.clearTimers();
    this.ready = false;
    if (!this.running) return;
    if (this.netDown) {
      this.setState('offline');
      return;
    }
    const delay = backoffDelay(this.attempt++, this.opts.random);
    this.retryAt = this.opts.now() + delay;
    this.retryTimer = this.opts.timers.setTimeout(() => this.connect(), delay);
    this.setState('reconnecting');
    this.opts.handlers.retrying?.(this.attempt);
  }

  /** dropConnection abandons a socket that stopped answering. */
  private dropConnection() {
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close(4000, 'no pong');
    this.scheduleReconnect();
  }

  /** alive rearms the keepalive: ping after a quiet interval, give up without an answer. */
  private alive() {
    const t = this.opts.timers;
    t.clearTimeout(this.pingTimer);
    t.clearTimeout(this.pongTimer);
    this.pongTimer = null;
    this.pingTimer = t.setTimeout(() => this.probe(), this.visible ? PING_INTERVAL_MS : HIDDEN_PING_INTERVAL_MS);
  }

  /** probe pings now; any frame back within PONG_TIMEOUT_MS keeps the connection. */
  private probe() {
    const t = this.opts.timers;
    t.clearTimeout(this.pingTimer);
    if (this.pongTimer !== null) return;
    this.write({ type: 'ping' });
    this.pongTimer = t.setTimeout(() => this.dropConnection(), PONG_TIMEOUT_MS);
  }

  private clearTimers() {
    const t = this.opts.timers;
    t.clearTimeout(this.retryTimer);
    t.clearTimeout(this.pingTimer);
    t.clearTimeout(this.pongTimer);
    t.clearTimeout(this.stableTimer);
    this.pongTimer = null;
  }

  private onHello(user: UserRef, instance: string) {
    this.me = user;
    // Not at once: a server that says hello and then closes (overloaded,
    // 1013) must still see the waits grow.
    this.opts.timers.clearTimeout(this.stableTimer);
    this.stableTimer = this.opts.timers.setTimeout(() => {
      this.attempt = 0;
    }, BACKOFF_RESET_MS);
    this.ready = true;
    for (const room of this.rooms.keys()) this.writeSubscribe(room);
    for (const [clientId, o] of this.outbox) {
      this.write({ type: 'send', room_id: o.room_id, body: o.body, client_id: clientId });
    }
    this.setState('online');
    this.opts.handlers.hello?.(user, instance);
  }

  private onFrame(data: string) {
    let f: Record<string, any>;
    try {
      f = JSON.parse(data);
    } catch {
      return;
    }
    const h = this.opts.handlers;
    switch (f.type) {
      case 'hello':
        this.onHello(f.user, f.instance);
        break;
      case 'subscribed': {
        if (!this.rooms.has(f.room_id)) return;
        const after = this.asked.get(f.room_id) ?? {};
        this.asked.delete(f.room_id);
        // Without after_* the server replays nothing: live starts after
        // last_seq and last_change. Truncated by change: the client reloads
        // the latest page and goes on from last_change.
        if (after.seq === undefined && after.change === undefined) this.noteSeq(f.room_id, f.last_seq);
        if ((after.change === undefined || f.truncated) && typeof f.last_change === 'number') {
          const p = this.rooms.get(f.room_id);
          if (p) p.change = f.last_change;
        }
        h.subscribed?.(f.room_id, f.last_seq, !!f.truncated, after.seq, after.change);
        break;
      }
      case 'message':
      case 'message_updated':
      case 'message_deleted': {
        const m = f.message as Message;
        if (!m?.room_id) return;
        if (m.change === undefined && typeof f.change === 'number') m.change = f.change;
        this.noteSeq(m.room_id, m.seq);
        this.noteChange(m.room_id, f.change ?? m.change);
        if (f.type !== 'message') {
          h.updated?.(m);
          break;
        }
        if (m.client_id && this.me && m.author.id === this.me.id) this.outbox.delete(m.client_id);
        h.message?.(m);
        break;
      }
      case 'reaction':
        this.noteChange(f.room_id, f.change);
        h.reaction?.({ room_id: f.room_id, seq: f.seq, emoji: f.emoji, count: f.count, user_id: f.user_id, added: !!f.added, change: f.change });
        break;
      case 'ack':
        this.outbox.delete(f.client_id);
        if (f.message) this.noteSeq(f.message.room_id, f.message.seq);
        h.ack?.(f.client_id, f.message);
        break;
      case 'typing':
        h.typing?.(f.room_id, f.user);
        break;
      case 'presence':
        h.presence?.(f.room_id, f.online ?? [], f.count ?? (f.online ?? []).length);
        break;
      case 'removed':
        this.rooms.delete(f.room_id);
        this.asked.delete(f.room_id);
        h.removed?.(f.room_id);
        break;
      case 'read':
        h.read?.(f.room_id, f.seq);
        break;
      case 'room_added':
      case 'room_updated': // a role changed: the room replaces the listed one
        if (f.room?.id) h.roomAdded?.(f.room as MyRoom);
        break;
      case 'room_changed':
        if (f.room?.id) h.roomChanged?.(f.room as Room);
        break;
      case 'error':
        this.onError(f.code, f.message, f.ref);
        break;
    }
  }

  private onError(code: string, message: string, ref: string | undefined) {
    if (ref?.startsWith(SUB_REF)) {
      const room = ref.slice(SUB_REF.length);
      if (this.rooms.delete(room)) {
        this.asked.delete(room);
        this.opts.handlers.subscribeFailed?.(room, code, message);
        return;
      }
    }
    const o = ref ? this.outbox.get(ref) : undefined;
    if (ref && o) {
      if (code === 'rate_limited' || code === 'unavailable' || code === 'internal') {
        this.opts.timers.setTimeout(() => {
          if (this.outbox.has(ref) && this.isOpen()) this.write({ type: 'send', room_id: o.room_id, body: o.body, client_id: ref });
        }, RATE_LIMIT_RETRY_MS);
        return;
      }
      this.outbox.delete(ref);
      this.opts.handlers.sendFailed?.(ref, o.room_id, code, message);
      return;
    }
    this.opts.handlers.error?.(code, message, ref);
  }
}

import { beforeEach, describe, expect, it } from 'vitest';
import { BACKOFF_BASE_MS, BACKOFF_MAX_MS, BACKOFF_RESET_MS, backoffDelay, backoffWindow } from './backoff';
import { ChatClient, CLOSE_SIGNED_OUT, HIDDEN_PING_INTERVAL_MS, PING_INTERVAL_MS, PONG_TIMEOUT_MS, RATE_LIMIT_RETRY_MS, type SocketLike } from './client';
import type { Message } from './types';

// A fake clock and fake sockets: the test plays the server.
class Clock {
  now = 0;
  private seq = 0;
  private timers = new Map<number, { at: number; f: () => void }>();
  setTimeout = (f: () => void, ms: number) => {
    const id = ++this.seq;
    this.timers.set(id, { at: this.now + ms, f });
    return id;
  };
  clearTimeout = (id: unknown) => {
    this.timers.delete(id as number);
  };
  advance(ms: number) {
    const end = this.now + ms;
    for (;;) {
      const next = [...this.timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!next) break;
      this.timers.delete(next[0]);
      this.now = next[1].at;
      next[1].f();
    }
    this.now = end;
  }
}

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: any[] = [];
  closed = false;
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  constructor(readonly url: string) {}
  send(d: string) {
    this.sent.push(JSON.parse(d));
  }
  close() {
    this.closed = true;
    this.readyState = 3;
  }
  open(user = { id: 'u1', username: 'ada', display_name: '' }) {
    this.readyState = 1;
    this.onopen?.({});
    this.frame({ type: 'hello', instance: 'i1', user });
  }
  frame(f: object) {
    this.onmessage?.({ data: JSON.stringify(f) });
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
  types() {
    return this.sent.map((f) => f.type);
  }
}

const ada = { id: 'u1', username: 'ada', display_name: '' };
function msg(seq: number, extra: Partial<Message> = {}): Message {
  return { id: 'm' + seq, room_id: 'r1', seq, author: ada, body: 'b', created_at: '2025-01-01T00:00:00.000Z', mentions: [], ...extra };
}

describe('backoffDelay', () => {
  it('draws from [0, window) with full jitter; the window doubles from 1 s to a 30 s cap', () => {
    const windows = [1000, 2000, 4000, 8000, 16000, 30000, 30000];
    windows.forEach((w, n) => {
      expect(backoffWindow(n)).toBe(w);
      expect(backoffDelay(n, () => 0)).toBe(0);
      expect(backoffDelay(n, () => 0.5)).toBe(w / 2);
      expect(backoffDelay(n, () => 0.999999)).toBe(w - 1);
    });
    expect(backoffWindow(1000)).toBe(BACKOFF_MAX_MS);
    expect(BACKOFF_BASE_MS).toBe(1000);
  });

  it('spreads the first retries of many clients over the whole first window', () => {
    // A storm: every client drops at once; their first waits cover [0, 1 s) evenly.
    const n = 1000;
    const buckets = new Array(10).fill(0);
    for (let i = 0; i < n; i++) buckets[Math.floor(backoffDelay(0, () => (i + 0.5) / n) / 100)]++;
    expect(buckets).toEqual(new Array(10).fill(n / 10));
  });
});

describe('ChatClient', () => {
  let clock: Clock;
  let sockets: FakeSocket[];
  let events: string[];
  let client: ChatClient;
  const last = () => sockets[sockets.length - 1];
  // stayUp lets ms pass on a connection that keeps talking (no ping goes unanswered).
  const stayUp = (ms: number) => {
    for (let t = 0; t < ms; t += 1000) {
      clock.advance(1000);
      last().frame({ type: 'pong' });
    }
  };

  beforeEach(() => {
    clock = new Clock();
    sockets = [];
    events = [];
    client = new ChatClient({
      url: () => 'ws://test/api/v1/ws',
      createSocket: (u) => {
        const s = new FakeSocket(u);
        sockets.push(s);
        return s;
      },
      timers: clock,
      now: () => clock.now,
      random: () => 0.5,
      handlers: {
        state: (s) => events.push('state:' + s),
        subscribed: (room, lastSeq, truncated, after) => events.push(`subscribed:${room}:${lastSeq}:${truncated}:${after}`),
        message: (m) => events.push('message:' + m.seq),
        ack: (id, m) => events.push(`ack:${id}:${m.seq}`),
        sendFailed: (id, _room, code) => events.push(`failed:${id}:${code}`),
        subscribeFailed: (room, code) => events.push(`subscribeFailed:${room}:${code}`),
        removed: (room) => events.push('removed:' + room),
        read: (room, seq) => events.push(`read:${room}:${seq}`),
        roomAdded: (r) => events.push('roomAdded:' + r.id),
        roomChanged: (r) => events.push(`roomChanged:${r.id}:${r.name}`),
        error: (code, _m, ref) => events.push(`error:${code}:${ref}`),
        signedOut: () => events.push('signedOut'),
      },
    });
  });

  it('subscribes after hello, then tracks the last seq', () => {
    client.subscribe('r1');
    client.start();
    expect(last().sent).toEqual([]); // nothing before hello
    last().open();
    expect(last().sent).toEqual([{ type: 'subscribe', room_id: 'r1', ref: 'sub:r1' }]);
    last().frame({ type: 'subscribed', room_id: 'r1', last_seq: 7 });
    expect(client.lastSeq('r1')).toBe(7);
    last().frame({ type: 'message', message: msg(8) });
    expect(client.lastSeq('r1')).toBe(8);
    expect(events).toContain('state:online');
  });

  it('reconnects with backoff and resubscribes with after_seq', () => {
    client.subscribe('r1');
    client.start();
    last().open();
    last().frame({ type: 'subscribed', room_id: 'r1', last_seq: 3 });
    last().frame({ type: 'message', message: msg(4) });
    last().drop();
    expect(client.state).toBe('reconnecting');
    expect(sockets).toHaveLength(1);
    clock.advance(backoffDelay(0, () => 0.5) - 1);
    expect(sockets).toHaveLength(1);
    clock.advance(1);
    expect(sockets).toHaveLength(2);
    // The second attempt fails too: the wait doubles.
    last().drop();
    clock.advance(backoffDelay(1, () => 0.5) - 1);
    expect(sockets).toHaveLength(2);
    clock.advance(1);
    expect(sockets).toHaveLength(3);
    last().open();
    expect(last().sent).toEqual([{ type: 'subscribe', room_id: 'r1', after_seq: 4, ref: 'sub:r1' }]);
    expect(client.state).toBe('online');
    // The count goes back to 0 only once the connection has stayed up.
    expect(client.attempt).toBe(2);
    stayUp(BACKOFF_RESET_MS);
    expect(client.attempt).toBe(0);
  });

  it('a server that says hello and closes at once still sees the waits grow', () => {
    client.start();
    last().open();
    stayUp(BACKOFF_RESET_MS); // stable: a drop now starts from the first window
    for (let n = 0; n < 7; n++) {
      last().drop(1013);
      expect(client.retryAt).toBe(clock.now + backoffDelay(n, () => 0.5));
      clock.advance(backoffDelay(n, () => 0.5));
      last().open();
      stayUp(BACKOFF_RESET_MS - 1000); // up, but not long enough
    }
    expect(client.retryAt).toBeNull();
    expect(client.attempt).toBe(7);
    expect(backoffDelay(client.attempt, () => 0.5)).toBe(BACKOFF_MAX_MS / 2);
  });

  it('reports a truncated catch-up with the seq it asked from', () => {
    client.subscribe('r1');
    client.start();
    last().open();
    last().frame({ type: 'subscribed', room_id: 'r1', last_seq: 10 });
    last().drop();
    clock.advance(BACKOFF_BASE_MS);
    last().open();
    last().frame({ type: 'subscribed', room_id: 'r1', last_seq: 900, truncated: true });
    expect(events).toContain('subscribed:r1:900:true:10');
    // The replay of the newest follows; the client's position moves with it.
    last().frame({ type: 'message', message: msg(899) });
    expect(client.lastSeq('r1')).toBe(899);
  });

  it('resends unacked messages with the same client_id, once acked never again', () => {
    client.subscribe('r1');
    client.start();
    client.send('r1', 'queued while connecting', 'c0');
    last().open();
    expect(last().sent.filter((f) => f.type === 'send')).toEqual([{ type: 'send', room_id: 'r1', body: 'queued while connecting', client_id: 'c0' }]);
    client.send('r1', 'hello', 'c1');
    last().frame({ type: 'ack', client_id: 'c0', message: msg(1, { client_id: 'c0' }) });
    last().drop(); // c1 was sent but not acknowledged
    clock.advance(BACKOFF_BASE_MS);
    last().open();
    expect(last().sent.filter((f) => f.type === 'send')).toEqual([{ type: 'send', room_id: 'r1', body: 'hello', client_id: 'c1' }]);
    last().frame({ type: 'ack', client_id: 'c1', message: msg(2, { client_id: 'c1' }) });
    expect(client.pending()).toEqual([]);
    last().drop();
    clock.advance(BACKOFF_BASE_MS);
    last().open();
    expect(last().sent.filter((f) => f.type === 'send')).toEqual([]);
  });

  it('a message frame carrying our client_id settles the send like an ack', () => {
    client.start();
    last().open();
    client.send('r1', 'x', 'c9');
    last().frame({ type: 'message', message: msg(5, { client_id: 'c9' }) });
    expect(client.pending()).toEqual([]);
  });

  it('gives up on refused sends but retries rate-limited ones', () => {
    client.start();
    last().open();
    client.send('r1', 'too long', 'bad');
    client.send('r1', 'later', 'slow');
    last().frame({ type: 'error', code: 'invalid', message: 'body too long', ref: 'bad' });
    last().frame({ type: 'error', code: 'rate_limited', message: 'slow down', ref: 'slow' });
    expect(events).toContain('failed:bad:invalid');
    expect(client.pending()).toEqual(['slow']);
    const before = last().sent.length;
    clock.advance(RATE_LIMIT_RETRY_MS);
    expect(last().sent.slice(before)).toContainEqual({ type: 'send', room_id: 'r1', body: 'later', client_id: 'slow' });
  });

  it('pings a quiet connection and drops it when nothing answers', () => {
    client.start();
    last().open();
    clock.advance(PING_INTERVAL_MS);
    expect(last().types()).toContain('ping');
    last().frame({ type: 'pong' }); // alive: no drop
    clock.advance(PONG_TIMEOUT_MS);
    expect(sockets).toHaveLength(1);
    clock.advance(PING_INTERVAL_MS + PONG_TIMEOUT_MS);
    expect(sockets[0].closed).toBe(true);
    expect(client.state).toBe('reconnecting');
    clock.advance(BACKOFF_BASE_MS);
    expect(sockets).toHaveLength(2);
  });

  it('shows a dead connection within 5 s on a visible page', () => {
    expect(PING_INTERVAL_MS + PONG_TIMEOUT_MS).toBeLessThan(5000);
    client.start();
    last().open();
    clock.advance(PING_INTERVAL_MS + PONG_TIMEOUT_MS);
    expect(sockets[0].closed).toBe(true);
    expect(client.state).toBe('reconnecting');
    expect(client.retryAt).toBe(clock.now + backoffDelay(0, () => 0.5));
  });

  it('pings rarely while hidden and probes at once when shown', () => {
    client.start();
    last().open();
    client.setVisible(false);
    clock.advance(HIDDEN_PING_INTERVAL_MS - 1);
    expect(last().types()).not.toContain('ping');
    client.setVisible(true);
    expect(last().types()).toContain('ping');
    clock.advance(PONG_TIMEOUT_MS);
    expect(sockets[0].closed).toBe(true);
  });

  it('a page shown again during a backoff wait reconnects at once', () => {
    client.start();
    last().open();
    client.setVisible(false);
    last().drop();
    clock.advance(backoffDelay(0, () => 0.5));
    last().drop(); // attempt 1 failed: the next wait is longer
    expect(sockets).toHaveLength(2);
    expect(client.retryAt).toBe(clock.now + backoffDelay(1, () => 0.5));
    client.setVisible(true);
    expect(sockets).toHaveLength(3);
  });

  it('offline drops the socket at once, waits for online, then sends what was queued once', () => {
    client.start();
    last().open();
    client.setNetwork(false);
    expect(sockets[0].closed).toBe(true);
    expect(client.state).toBe('offline');
    expect(client.retryAt).toBeNull();
    client.send('r1', 'while away', 'c1');
    clock.advance(BACKOFF_MAX_MS * 3);
    expect(sockets).toHaveLength(1); // no retries without a network
    client.setNetwork(true);
    expect(sockets).toHaveLength(2); // no backoff wait
    expect(client.state).toBe('reconnecting');
    last().open();
    expect(last().sent.filter((f) => f.type === 'send')).toEqual([{ type: 'send', room_id: 'r1', body: 'while away', client_id: 'c1' }]);
    expect(sockets[0].sent.filter((f) => f.type === 'send')).toEqual([]);
  });

  it('a refused send tried again goes out once more under its client_id', () => {
    client.start();
    last().open();
    client.send('r1', 'x', 'c1');
    last().frame({ type: 'error', code: 'not_found', message: 'gone', ref: 'c1' });
    expect(client.pending()).toEqual([]);
    client.send('r1', 'x', 'c1');
    expect(last().sent.filter((f) => f.type === 'send')).toHaveLength(2);
    expect(client.pending()).toEqual(['c1']);
  });

  it('a socket that closes while offline does not schedule retries', () => {
    client.start();
    last().open();
    const s = last();
    client.setNetwork(false);
    s.drop(); // the late close event of the abandoned socket
    clock.advance(BACKOFF_MAX_MS);
    expect(sockets).toHaveLength(1);
    expect(client.state).toBe('offline');
  });

  it('a close with 4001 (signed out) stops without reconnecting; other codes reconnect', () => {
    client.start();
    last().open();
    last().drop(1001); // an instance going away
    clock.advance(BACKOFF_MAX_MS);
    expect(sockets).toHaveLength(2);
    last().open();
    last().drop(CLOSE_SIGNED_OUT);
    expect(events).toContain('signedOut');
    clock.advance(BACKOFF_MAX_MS * 2);
    client.setNetwork(false);
    client.setNetwork(true);
    client.setVisible(false);
    client.setVisible(true);
    client.reconnectNow();
    expect(sockets).toHaveLength(2);
    expect(client.state).toBe('offline');
  });

  it('stop closes and does not reconnect', () => {
    client.start();
    last().open();
    client.stop();
    expect(sockets[0].closed).toBe(true);
    clock.advance(BACKOFF_MAX_MS * 2);
    expect(sockets).toHaveLength(1);
    expect(client.state).toBe('offline');
  });

  it('reconnectNow skips the wait', () => {
    client.start();
    last().drop();
    client.reconnectNow();
    expect(sockets).toHaveLength(2);
  });

  it('a refused subscribe drops the room: reported once, not resubscribed', () => {
    client.subscribe('secret');
    client.subscribe('r1');
    client.start();
    last().open();
    last().frame({ type: 'error', code: 'not_found', message: 'no such room', ref: 'sub:secret' });
    expect(events).toContain('subscribeFailed:secret:not_found');
    expect(events.filter((e) => e.startsWith('error:'))).toEqual([]);
    last().drop();
    clock.advance(BACKOFF_BASE_MS);
    last().open();
    expect(last().sent).toEqual([{ type: 'subscribe', room_id: 'r1', ref: 'sub:r1' }]);
    // An error naming a room no longer subscribed is an ordinary error.
    last().frame({ type: 'error', code: 'not_found', message: 'x', ref: 'sub:secret' });
    expect(events).toContain('error:not_found:sub:secret');
  });

  it('membership frames: removed ends the subscription, read, room_added, room_updated and room_changed are passed on', () => {
    client.subscribe('r1');
    client.start();
    last().open();
    last().frame({ type: 'subscribed', room_id: 'r1', last_seq: 2 });
    last().frame({ type: 'read', room_id: 'r1', seq: 2 });
    last().frame({ type: 'room_added', room: { id: 'r2', name: 'new', visibility: 'private' } });
    last().frame({ type: 'room_updated', room: { id: 'r2', name: 'new', visibility: 'private', role: 'moderator' } });
    last().frame({ type: 'room_changed', room: { id: 'r1', name: 'renamed', visibility: 'public' } });
    last().frame({ type: 'removed', room_id: 'r1' });
    expect(events.filter((e) => /^(read|room|removed)/.test(e))).toEqual(['read:r1:2', 'roomAdded:r2', 'roomAdded:r2', 'roomChanged:r1:renamed', 'removed:r1']);
    expect(client.lastSeq('r1')).toBeUndefined();
    last().drop();
    clock.advance(BACKOFF_BASE_MS);
    last().open();
    expect(last().sent).toEqual([]);
  });
});

describe('ChatClient change stream', () => {
  let clock: Clock;
  let sockets: FakeSocket[];
  let events: string[];
  let client: ChatClient;
  const last = () => sockets[sockets.length - 1];

  beforeEach(() => {
    clock = new Clock();
    sockets = [];
    events = [];
    client = new ChatClient({
      url: () => 'ws://test/api/v1/ws',
      createSocket: (u) => {
        const s = new FakeSocket(u);
        sockets.push(s);
        return s;
      },
      timers: clock,
      now: () => clock.now,
      random: () => 0.5,
      handlers: {
        subscribed: (room, lastSeq, truncated, after, afterChange) => events.push(`subscribed:${room}:${lastSeq}:${truncated}:${after}:${afterChange}`),
        message: (m) => events.push(`message:${m.seq}:${m.change}`),
        updated: (m) => events.push(`updated:${m.seq}:${m.change}:${m.deleted ? 'deleted' : m.body}`),
        reaction: (e) => events.push(`reaction:${e.seq}:${e.emoji}:${e.count}:${e.user_id}:${e.added}:${e.change}`),
      },
    });
    client.subscribe('r1');
    client.start();
    last().open();
  });

  it('hands every frame kind over and tracks the highest change', () => {
    last().frame({ type: 'subscribed', room_id: 'r1', last_seq: 3, last_change: 5 });
    expect(client.lastChange('r1')).toBe(5);
    last().frame({ type: 'message', change: 6, message: msg(4, { change: 6 }) });
    last().frame({ type: 'message_updated', change: 7, message: msg(2, { change: 7, body: 'fixed', edited_at: '2025-01-01T00:01:00.000Z' }) });
    last().frame({ type: 'message_deleted', room_id: 'r1', seq: 3, change: 8, message: msg(3, { change: 8, deleted: true, body: '' }) });
    last().frame({ type: 'reaction', room_id: 'r1', seq: 4, emoji: '👍', count: 1, user_id: 'u2', added: true, change: 9 });
    expect(events).toEqual([
      'subscribed:r1:3:false:undefined:undefined',
      'message:4:6',
      'updated:2:7:fixed',
      'updated:3:8:deleted',
      'reaction:4:👍:1:u2:true:9',
    ]);
    expect(client.lastChange('r1')).toBe(9);
    expect(client.lastSeq('r1')).toBe(4);
  });

  it('a frame without change in its message gets the frame change', () => {
    last().frame({ type: 'subscribed', room_id: 'r1', last_seq: 0, last_change: 0 });
    last().frame({ type: 'message_updated', change: 3, message: msg(1) });
    expect(events).toContain('updated:1:3:b');
  });

  it('resubscribes with after_change (not after_seq) after a reconnect', () => {
    last().frame({ type: 'subscribed', room_id: 'r1', last_seq: 3, last_change: 5 });
    last().frame({ type: 'reaction', room_id: 'r1', seq: 2, emoji: ':tada:', count: 1, user_id: 'u2', added: true, change: 6 });
    last().drop();
    clock.advance(BACKOFF_BASE_MS);
    last().open();
    expect(last().sent).toEqual([{ type: 'subscribe', room_id: 'r1', after_change: 6, ref: 'sub:r1' }]);
    last().frame({ type: 'subscribed', room_id: 'r1', last_seq: 4, last_change: 9 });
    // The replay then moves the position; last_change alone does not.
    expect(client.lastChange('r1')).toBe(6);
    last().frame({ type: 'message_updated', change: 9, message: msg(1, { change: 9 }) });
    expect(client.lastChange('r1')).toBe(9);
    expect(events).toContain('subscribed:r1:4:false:undefined:6');
  });

  it('a truncated resume reports it and goes on from last_change', () => {
    last().frame({ type: 'subscribed', room_id: 'r1', last_seq: 3, last_change: 5 });
    last().drop();
    clock.advance(BACKOFF_BASE_MS);
    last().open();
    last().frame({ type: 'subscribed', room_id: 'r1', last_seq: 3000, last_change: 5000, truncated: true });
    expect(events).toContain('subscribed:r1:3000:true:undefined:5');
    expect(client.lastChange('r1')).toBe(5000);
    last().drop();
    clock.advance(BACKOFF_BASE_MS);
    last().open();
    expect(last().sent).toEqual([{ type: 'subscribe', room_id: 'r1', after_change: 5000, ref: 'sub:r1' }]);
  });

  it('an ack does not move the change position (frames before it may still come)', () => {
    last().frame({ type: 'subscribed', room_id: 'r1', last_seq: 3, last_change: 5 });
    client.send('r1', 'hi', 'c1');
    last().frame({ type: 'ack', client_id: 'c1', message: msg(5, { change: 8 }) });
    expect(client.lastChange('r1')).toBe(5);
  });

  it('ignores frames of rooms it does not follow', () => {
    last().frame({ type: 'reaction', room_id: 'other', seq: 1, emoji: '👍', count: 1, user_id: 'u2', added: true, change: 4 });
    expect(client.lastChange('other')).toBeUndefined();
  });
});

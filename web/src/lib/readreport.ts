// ReadReporter tells the server how far the user has read, per room: at
// most once per delay while reading goes on, and only ever forward of what
// the server already has (from a snapshot, a read frame, an own post or an
// earlier report). It knows nothing of React.

import type { Timers } from './client';

export class ReadReporter {
  private server = new Map<string, number>(); // room → position the server has
  private want = new Map<string, number>(); // room → position to report
  private pending = new Map<string, unknown>(); // room → timer

  constructor(
    private readonly send: (roomId: string, seq: number) => Promise<void>,
    private readonly timers: Timers,
    private readonly delayMs: number,
  ) {}

  /** known records that the server has the position seq (it never moves back). */
  known(roomId: string, seq: number) {
    if (seq > (this.server.get(roomId) ?? 0)) this.server.set(roomId, seq);
  }

  /** read: the user has seen the room up to seq; reported after the delay if it is news. */
  read(roomId: string, seq: number) {
    if (seq <= Math.max(this.server.get(roomId) ?? 0, this.want.get(roomId) ?? 0)) return;
    this.want.set(roomId, seq);
    if (!this.pending.has(roomId)) this.pending.set(roomId, this.timers.setTimeout(() => void this.flush(roomId), this.delayMs));
  }

  /** forget drops a room (no longer a member): nothing more is sent for it. */
  forget(roomId: string) {
    this.timers.clearTimeout(this.pending.get(roomId));
    this.pending.delete(roomId);
    this.want.delete(roomId);
    this.server.delete(roomId);
  }

  stop() {
    for (const id of this.pending.values()) this.timers.clearTimeout(id);
    this.pending.clear();
    this.want.clear();
  }

  private async flush(roomId: string) {
    this.pending.delete(roomId);
    const seq = this.want.get(roomId);
    this.want.delete(roomId);
    if (seq === undefined || seq <= (this.server.get(roomId) ?? 0)) return;
    try {
      await this.send(roomId, seq);
      this.known(roomId, seq);
    } catch {
      // Not recorded: the next read of the room reports it again.
    }
  }
}

// UploadBook keeps, per room, the files chosen for the next message: each
// uploads at once (with its progress) and can be cancelled or removed; the
// composer sends the ids of the finished ones with the message.

import { MAX_ATTACHMENTS, uploadError, type Sending } from '../lib/uploads';
import { t } from '../lib/strings';
import type { Upload } from '../lib/types';

export interface Attaching {
  key: string;
  name: string;
  size: number;
  /** 0 to 1. */
  progress: number;
  state: 'uploading' | 'done' | 'failed';
  upload?: Upload;
  error?: string;
}

export type Send = (file: File, onProgress: (f: number) => void) => Sending;

export class UploadBook {
  private rooms: Record<string, Attaching[]> = {};
  private sending = new Map<string, Sending>();
  private listeners = new Set<() => void>();
  private seq = 0;
  /** The last refusal that was not about one file (too many). */
  notice: Record<string, string> = {};

  constructor(private readonly send: Send) {}

  subscribe = (f: () => void) => {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  };

  list(roomId: string): Attaching[] {
    return this.rooms[roomId] ?? NONE;
  }

  /** add starts uploading files (beyond MAX_ATTACHMENTS per message they are refused with a notice). */
  add(roomId: string, files: File[]) {
    const kept = this.list(roomId);
    const free = MAX_ATTACHMENTS - kept.filter((a) => a.state !== 'failed').length;
    this.notice = { ...this.notice, [roomId]: files.length > free ? t.tooManyFiles(MAX_ATTACHMENTS) : '' };
    const added = files.slice(0, Math.max(0, free)).map((f) => ({ f, a: { key: 'f' + ++this.seq, name: f.name, size: f.size, progress: 0, state: 'uploading' as const } }));
    this.put(roomId, [...kept, ...added.map((x) => x.a)]);
    for (const { f, a } of added) {
      const s = this.send(f, (p) => this.patch(roomId, a.key, { progress: p }));
      this.sending.set(a.key, s);
      s.done.then(
        (upload) => this.patch(roomId, a.key, { state: 'done', progress: 1, upload }),
        (e) => {
          if (e?.code === 'aborted') return; // cancelled: already gone from the list
          this.patch(roomId, a.key, { state: 'failed', error: uploadError(e, a.name) });
        },
      ).finally(() => this.sending.delete(a.key));
    }
  }

  /** remove cancels an upload on its way, or takes a finished or failed one off the message. */
  remove(roomId: string, key: string) {
    this.sending.get(key)?.abort();
    this.put(roomId, this.list(roomId).filter((a) => a.key !== key));
  }

  /** busy: some file is still uploading. */
  busy(roomId: string): boolean {
    return this.list(roomId).some((a) => a.state === 'uploading');
  }

  /** take returns the finished uploads for the message being sent and clears the room's list. */
  take(roomId: string): Upload[] {
    const done = this.list(roomId).flatMap((a) => (a.state === 'done' && a.upload ? [a.upload] : []));
    this.put(roomId, NONE);
    this.notice = { ...this.notice, [roomId]: '' };
    return done;
  }

  private patch(roomId: string, key: string, p: Partial<Attaching>) {
    const list = this.list(roomId);
    if (!list.some((a) => a.key === key)) return;
    this.put(roomId, list.map((a) => (a.key === key ? { ...a, ...p } : a)));
  }

  private put(roomId: string, list: Attaching[]) {
    this.rooms = { ...this.rooms, [roomId]: list };
    for (const f of this.listeners) f();
  }
}

const NONE: Attaching[] = [];

// ThreadBook keeps the threads the person opened: their replies, paged over
// HTTP and kept current by the same frames as the room (a reply carries
// reply_to; edits, deletions and reactions apply by seq).

import type { Api } from '../lib/api';
import { applyReaction, withMe } from '../lib/changes';
import { mergeMessages } from '../lib/messages';
import type { Message, ReactionEvent } from '../lib/types';

/** Replies fetched per request. */
export const THREAD_PAGE = 100;

export interface ThreadData {
  roomId: string;
  seq: number;
  replies: Message[];
  loaded: boolean;
  hasMore: boolean;
  error?: boolean;
}

export function threadKey(roomId: string, seq: number): string {
  return roomId + ':' + seq;
}

type Threads = Record<string, ThreadData>;

export class ThreadBook {
  private loading = new Set<string>();

  constructor(
    private readonly api: Pick<Api, 'replies'>,
    private readonly get: () => Threads,
    private readonly put: (t: Threads) => void,
    private readonly meId: () => string,
  ) {}

  private update(key: string, f: (t: ThreadData) => ThreadData) {
    const cur = this.get()[key];
    if (!cur) return;
    const next = f(cur);
    if (next !== cur) this.put({ ...this.get(), [key]: next });
  }

  /** load fetches a thread's first page (or, with more, the next one); a loaded thread stays as frames keep it. */
  async load(roomId: string, seq: number, more = false, again = false) {
    const key = threadKey(roomId, seq);
    const cur = this.get()[key];
    if (this.loading.has(key) || (cur?.loaded && !more && !again)) return;
    if (!cur) this.put({ ...this.get(), [key]: { roomId, seq, replies: [], loaded: false, hasMore: false } });
    this.loading.add(key);
    try {
      // Again: every page up to what was held, so the whole thread is current.
      const until = again ? (cur?.replies[cur.replies.length - 1]?.seq ?? 0) : 0;
      let after = more ? cur?.replies[cur.replies.length - 1]?.seq : undefined;
      for (;;) {
        const page = await this.api.replies(roomId, seq, { after, limit: THREAD_PAGE });
        const got = page.messages.map((m) => withMe(m, this.meId()));
        this.update(key, (t) => ({ ...t, loaded: true, error: false, hasMore: page.has_more, replies: mergeMessages(t.replies, got) }));
        after = got[got.length - 1]?.seq;
        if (!page.has_more || after === undefined || after >= until) break;
      }
    } catch {
      this.update(key, (t) => ({ ...t, error: true }));
    } finally {
      this.loading.delete(key);
    }
  }

  /**
   * reloadRoom refetches a room's threads (its resume was truncated). The
   * pages merge into what is held: a reply never leaves its thread (a
   * deleted one is a tombstone), and the later change of each wins.
   */
  reloadRoom(roomId: string) {
    for (const t of Object.values(this.get())) if (t.roomId === roomId) void this.load(roomId, t.seq, false, true);
  }

  /** messages files replies (new or changed) into the loaded threads they belong to. */
  messages(roomId: string, msgs: Message[]) {
    for (const m of msgs) {
      if (!m.reply_to) continue;
      const key = threadKey(roomId, m.reply_to);
      this.update(key, (t) => {
        const replies = mergeMessages(t.replies, [m]);
        return replies === t.replies ? t : { ...t, replies };
      });
    }
  }

  reaction(e: ReactionEvent) {
    const threads = this.get();
    let out: Threads | null = null;
    for (const [k, t] of Object.entries(threads)) {
      if (t.roomId !== e.room_id) continue;
      const replies = applyReaction(t.replies, e, this.meId());
      if (replies !== t.replies) (out ??= { ...threads })[k] = { ...t, replies };
    }
    if (out) this.put(out);
  }
}

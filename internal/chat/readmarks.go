package chat

import (
	"context"
	"sync"
	"time"
)

// Posting marks the message read for its author. Writing that position in
// the append's transaction put one more random page into every commit;
// instead each instance notes its posters' positions, (room, user) →
// highest seq, and stores them together every ReadFlushInterval, which
// touches a few pages for a whole second of posts. Until then the poster's
// own list on this instance overlays the noted positions; another
// instance, or a crash before the flush, may show the poster's own message
// as unread for up to ReadFlushInterval.
const ReadFlushInterval = time.Second

type readMarks struct {
	mu      sync.Mutex
	pending map[memberKey]int64
}

func (r *readMarks) note(roomID, userID string, seq int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pending == nil {
		r.pending = map[memberKey]int64{}
	}
	k := memberKey{roomID, userID}
	r.pending[k] = max(r.pending[k], seq)
}

func (r *readMarks) get(roomID, userID string) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pending[memberKey{roomID, userID}]
}

// take empties the pending positions and returns them.
func (r *readMarks) take() []ReadMark {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]ReadMark, 0, len(r.pending))
	for k, seq := range r.pending {
		out = append(out, ReadMark{RoomID: k.room, UserID: k.user, Seq: seq})
	}
	clear(r.pending)
	return out
}

// FlushReads stores the read positions noted since the last flush; on
// failure they are noted again for the next one.
func (s *Service) FlushReads(ctx context.Context) error {
	marks := s.reads.take()
	if err := s.store.MarkReads(ctx, marks); err != nil {
		for _, m := range marks {
			s.reads.note(m.RoomID, m.UserID, m.Seq)
		}
		return err
	}
	return nil
}

// RunReadFlusher flushes read positions every interval until ctx ends,
// then once more (bounded by a few seconds) so a clean shutdown loses none.
func (s *Service) RunReadFlusher(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if err := s.FlushReads(fctx); err != nil {
				s.log.Warn("final read positions flush failed", "err", err)
			}
			return
		case <-t.C:
			if err := s.FlushReads(ctx); err != nil {
				s.log.WarnContext(ctx, "read positions flush failed; retrying", "err", err)
			}
		}
	}
}

// overlayRead applies a position noted on this instance but not yet
// stored. Mentions before it are not recounted until the flush, and the
// unread count is an upper bound until then: the store left out the
// thread-only replies after its own, older position, not after p.
func (s *Service) overlayRead(r MyRoom, userID string) MyRoom {
	if p := s.reads.get(r.ID, userID); p > r.LastReadSeq {
		r.LastReadSeq = p
		r.Unread = min(r.Unread, max(0, r.LastSeq-p))
		if r.Unread == 0 {
			r.UnreadMentions = 0
		}
	}
	return r
}

package ws

import (
	"slices"
	"sync/atomic"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// A reconnect replays what its client missed. In a storm (a deploy, a load
// balancer restart) every client of a room asks for the same few messages
// at once, and each one read them from the cache or the store: on a busy
// cluster those reads timed out by the ten thousand. So the hub keeps each
// room's latest changes as it fanned them out (recent), and keeps a room a
// while after its last local subscriber left (RoomLinger, still receiving
// its changes), and a resume covered by them is replayed from memory.

// Bounds of a room's recent changes: a client away longer than these
// cover is replayed from the cache or the store, as before.
const (
	recentMax      = 64
	recentMaxBytes = 64 << 10
	// recentBudget bounds the frames all rooms of an instance keep: a room
	// that would pass it starts over empty (its resumes read, as before).
	recentBudget = 64 << 20
)

// recent is a room's latest changes, contiguous: every change in
// (from, the room's last] is in items, in order, with the frame it was
// fanned out in. Every message with a seq above seq was created by one of
// them. Guarded by room.mu.
type recent struct {
	items []item
	bytes int
	from  int64
	seq   int64
	used  *atomic.Int64 // the bytes all rooms of the instance keep; nil: no budget
}

// account adds n bytes to the room's and the instance's count.
func (t *recent) account(n int) {
	t.bytes += n
	if t.used != nil {
		t.used.Add(int64(n))
	}
}

// overBudget reports whether n more bytes would pass the instance's budget.
func (t *recent) overBudget(n int) bool {
	return t.used != nil && t.used.Load()+int64(n) > recentBudget
}

// reset starts over after change from, when the newest seq was seq: the
// hub fanned out something other than the next change (a compacted fill)
// or skipped changes the store did not have.
func (t *recent) reset(from, seq int64) {
	t.account(-t.bytes)
	clear(t.items)
	t.items, t.from, t.seq = t.items[:0], from, seq
}

// add records it, fanned out when the room stood at last (and lastSeq).
func (t *recent) add(it item, last, lastSeq int64) {
	if it.change != last+1 || t.overBudget(len(it.frame)) {
		t.reset(it.change, max(lastSeq, it.seq))
		return
	}
	t.items = append(t.items, it)
	t.account(len(it.frame))
	for len(t.items) > recentMax || t.bytes > recentMaxBytes {
		old := t.items[0]
		t.from, t.seq = old.change, max(t.seq, old.seq)
		t.account(-len(old.frame))
		t.items = slices.Delete(t.items, 0, 1)
	}
}

// afterSeq returns the message frames a client holding every message up
// to seq a misses, up to change cut, as CatchUp would: ok is false when a
// missing message is older than the recent changes, or changed after its
// post (edited, reacted to, deleted: the store has its current form).
// seqs is the highest seq the client then holds.
func (t *recent) afterSeq(a, cut int64) (frames [][]byte, seqs int64, ok bool) {
	if a < t.seq {
		return nil, 0, false
	}
	seqs = a
	for _, it := range t.items {
		if it.change > cut {
			break
		}
		if it.seq <= a {
			continue // a message the client holds: CatchUp sends nothing for it
		}
		if it.kind != typeMessage {
			return nil, 0, false
		}
		frames, seqs = append(frames, it.frame), max(seqs, it.seq)
	}
	return frames, seqs, true
}

// afterChange returns the frames of the changes after `after` up to cut,
// as ChangesAfter would: ok is false when some of them are older than the
// recent changes, or one of them changed a message after its post.
func (t *recent) afterChange(after, cut int64) (frames [][]byte, ok bool) {
	if after < t.from {
		return nil, false
	}
	for _, it := range t.items {
		if it.change > cut {
			break
		}
		if it.change <= after {
			continue
		}
		if it.kind != typeMessage {
			return nil, false
		}
		frames = append(frames, it.frame)
	}
	return frames, true
}

// replayRecent is replay from r's recent changes, for a subscription that
// joined r at head; ok is false when they do not cover the resume.
func (s *Server) replayRecent(r *room, f clientFrame, head chat.Head) (rp replayed, ok bool) {
	rp = replayed{lastSeq: head.LastSeq, lastChange: head.LastChange}
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case f.AfterChange != nil:
		rp.frames, ok = r.recent.afterChange(*f.AfterChange, head.LastChange)
	case f.AfterSeq != nil:
		rp.frames, rp.seqs, ok = r.recent.afterSeq(*f.AfterSeq, head.LastChange)
	}
	return rp, ok
}

// endIdleRooms ends the upstream subscription of every room without local
// subscribers since linger ago or longer.
func (s *Server) endIdleRooms(now time.Time, linger time.Duration) {
	var ended []*room
	s.roomsMu.Lock()
	for id, r := range s.rooms {
		if r.refs == 0 && now.Sub(r.idleSince) >= linger {
			delete(s.rooms, id)
			ended = append(ended, r)
		}
	}
	s.roomsMu.Unlock()
	for _, r := range ended {
		s.endRoom(r)
	}
}

// endRoom ends a room taken out of s.rooms: its upstream subscription,
// and its recent changes' share of the budget.
func (s *Server) endRoom(r *room) {
	if r.unsub != nil {
		r.unsub()
	}
	r.mu.Lock()
	r.recent.reset(r.last, r.lastSeq)
	r.mu.Unlock()
}

package ws

import "github.com/open-chat/openchat/internal/chat"

// presenceBatch collects presence writes until a writer takes them: the
// entries whose local count changed and the rooms whose online set changed.
// One writer at a time writes a batch as one Touch (entries still counted),
// one Remove (entries no longer counted) and one change notice for its rooms,
// however many connections came and went meanwhile: a reconnect storm
// costs Redis a few round trips per batch, not several per connection.
// Guarded by Server.presMu.
type presenceBatch struct {
	dirty   map[chat.PresenceEntry]struct{}
	changed map[string]*room
	// written closes once the batch being collected is written; nil until
	// someone asks for it.
	written chan struct{}
	running bool // a writer goroutine runs
}

func newPresenceBatch() presenceBatch {
	return presenceBatch{dirty: map[chat.PresenceEntry]struct{}{}, changed: map[string]*room{}}
}

func (b *presenceBatch) mark(e chat.PresenceEntry) { b.dirty[e] = struct{}{} }

// presWriteLocked makes sure a writer will write what was marked, and
// returns a channel that closes once it is written. s.presMu is held.
func (s *Server) presWriteLocked() <-chan struct{} {
	if s.pb.written == nil {
		s.pb.written = make(chan struct{})
	}
	ch := s.pb.written
	if !s.pb.running {
		s.pb.running = true
		go s.writePresence()
	}
	return ch
}

// writePresence writes batches until none is waiting. Whether an entry is
// touched or removed is decided from the count when its batch is taken, so
// batches written one after another leave Redis as the counts are.
func (s *Server) writePresence() {
	for {
		s.presMu.Lock()
		b := s.pb
		if len(b.dirty) == 0 && len(b.changed) == 0 {
			s.pb.running = false
			if b.written != nil {
				close(b.written)
				s.pb.written = nil
			}
			s.presMu.Unlock()
			return
		}
		var touch, remove []chat.PresenceEntry
		for e := range b.dirty {
			if s.presCount[e] > 0 {
				touch = append(touch, e)
			} else {
				remove = append(remove, e)
			}
		}
		s.pb = newPresenceBatch()
		s.pb.running = true
		s.presMu.Unlock()

		if len(touch) > 0 {
			if err := s.pr.Touch(s.ctx, touch); err != nil {
				s.log.Warn("presence touch failed", "entries", len(touch), "err", err)
			}
		}
		if len(remove) > 0 {
			if err := s.pr.Remove(s.ctx, remove); err != nil {
				s.log.Warn("presence remove failed", "entries", len(remove), "err", err)
			}
		}
		// After the writes: an instance told of the change reads the new set.
		if len(b.changed) > 0 {
			s.presenceChanged(s.ctx, b.changed)
		}
		if b.written != nil {
			close(b.written)
		}
	}
}

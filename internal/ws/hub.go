package ws

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// inlineFanout is the most local subscribers a room may have for its
// publisher to write their sockets itself (see conn.writeNow).
const inlineFanout = 32

// room is the hub's state for a room with local subscribers: one upstream
// subscription, the last change fanned out, and changes that arrived ahead
// of a gap. Events are fanned out under mu, so every subscriber sees them in
// the same order: the room's change order (see chat/change.go).
type room struct {
	id    string
	ready chan struct{} // closed once the upstream subscription is set up
	err   error         // set before ready closes
	unsub func()
	refs  int // joins not yet released; guarded by Server.roomsMu
	// idleSince is when refs fell to zero (the room lingers: recent.go);
	// guarded by Server.roomsMu.
	idleSince time.Time

	mu       sync.Mutex
	subs     []*sub
	inited   bool
	last     int64          // the last change fanned out
	lastSeq  int64          // the newest message seq among the changes up to last
	ahead    map[int64]item // live items with change > last+1, waiting for the gap
	filling  bool           // a fill goroutine runs
	resync   bool           // the fill must also read past last (broker resync)
	behind   int64          // the store's head at the last position check, when past last
	recent   recent         // the latest changes fanned out, for replays
	presence presenceCache
}

// join registers c in the room, subscribing upstream if it is the room's
// first local subscriber. The subscription starts parked (pending).
func (s *Server) join(ctx context.Context, c *conn, roomID string) (*sub, error) {
	s.roomsMu.Lock()
	r := s.rooms[roomID]
	first := r == nil
	if first {
		r = &room{id: roomID, ready: make(chan struct{}), ahead: map[int64]item{}, recent: recent{used: &s.recentUsed}}
		s.rooms[roomID] = r
	}
	r.refs++
	s.roomsMu.Unlock()
	if first {
		r.err = s.initRoom(ctx, r)
		close(r.ready)
	} else {
		<-r.ready
	}
	if r.err != nil {
		s.release(r)
		return nil, r.err
	}
	sb := &sub{c: c, room: r, pending: true}
	r.mu.Lock()
	sb.from = chat.Head{LastSeq: r.lastSeq, LastChange: r.last} // every later change reaches sb
	sb.idx = len(r.subs)
	r.subs = append(r.subs, sb)
	r.mu.Unlock()
	return sb, nil
}

func (s *Server) initRoom(ctx context.Context, r *room) error {
	err := s.watchPresence(ctx)
	var unsub func()
	if err == nil {
		unsub, err = s.ps.Subscribe(ctx, chat.RoomChannel(r.id), func(p []byte) { s.onEvent(r, p) })
	}
	if err != nil {
		s.log.Error("pubsub subscribe failed", "room", r.id, "err", err)
		return chat.Errorf(chat.EUNAVAILABLE, "real-time delivery is unavailable; retry later")
	}
	// Read after subscribing: any change committed later reaches us live.
	head, err := s.svc.Head(ctx, r.id)
	if err != nil {
		unsub()
		return err
	}
	r.unsub = unsub
	r.mu.Lock()
	r.last, r.lastSeq, r.inited = head.LastChange, head.LastSeq, true
	r.recent.reset(r.last, r.lastSeq)
	s.drainLocked(r, nil)
	r.mu.Unlock()
	return nil
}

// leave removes a subscription from its room.
func (s *Server) leave(sb *sub) {
	r := sb.room
	r.mu.Lock()
	if sb.left {
		r.mu.Unlock()
		return
	}
	sb.left = true
	end := len(r.subs) - 1
	r.subs[sb.idx] = r.subs[end]
	r.subs[sb.idx].idx = sb.idx
	r.subs[end] = nil
	r.subs = r.subs[:end]
	r.mu.Unlock()
	s.release(r)
}

// release drops a join. After the last one the room lingers for
// RoomLinger, still subscribed upstream, so that its clients coming back
// find it (and its recent changes); a room that failed to set up ends at
// once, as does every room without RoomLinger.
func (s *Server) release(r *room) {
	s.roomsMu.Lock()
	r.refs--
	last := r.refs == 0 && s.rooms[r.id] == r
	if last && r.err == nil && s.cfg.RoomLinger > 0 {
		r.idleSince = time.Now()
		s.roomsMu.Unlock()
		return
	}
	if last {
		delete(s.rooms, r.id)
	}
	s.roomsMu.Unlock()
	if last {
		s.endRoom(r)
	}
}

// roomEvent is a published room event as the hub reads it: the message
// stays encoded, to be wrapped in a frame as it is. read decodes it; the
// json tags are the names it must agree with (FuzzObjReader).
type roomEvent struct {
	Type    string          `json:"type"`
	Message json.RawMessage `json:"message"`
	User    *chat.UserRef   `json:"user"`
	Change  int64           `json:"change"`
	Seq     int64           `json:"seq"`
	Emoji   string          `json:"emoji"`
	Count   int             `json:"count"`
	UserID  string          `json:"user_id"`
	Added   bool            `json:"added"`
	At      int64           `json:"at"`
}

// read decodes b into ev as json.Unmarshal would (objReader), without its
// allocations. ev.Message is b's own bytes, not a copy: the frame built
// from it is a copy, and nothing keeps it.
func (ev *roomEvent) read(b []byte) error {
	r := objReader{b: b}
	if r.open() {
		for k := r.next(); k != nil; k = r.next() {
			switch fieldOf(k, "type", "message", "user", "change", "seq", "emoji", "count", "user_id", "added", "at") {
			case "type":
				r.readString(&ev.Type, chat.EventMessage, chat.EventMessageUpdated, chat.EventMessageDeleted, chat.EventReaction, chat.EventTyping)
			case "message":
				ev.Message = r.raw()
			case "user":
				if u := r.raw(); u != nil && !decodeUser(u, &ev.User) {
					return errJSON
				}
			case "change":
				r.readInt64(&ev.Change)
			case "seq":
				r.readInt64(&ev.Seq)
			case "emoji":
				r.readString(&ev.Emoji)
			case "count":
				r.readInt(&ev.Count)
			case "user_id":
				r.readString(&ev.UserID)
			case "added":
				r.readBool(&ev.Added)
			case "at":
				r.readInt64(&ev.At)
			default:
				r.skip()
			}
		}
	}
	return r.close()
}

// decodeUser decodes a typing event's user into *dst as Unmarshal would,
// through a copy of the pointer so that the event does not move to the heap.
func decodeUser(b []byte, dst **chat.UserRef) bool {
	u := *dst
	if err := json.Unmarshal(b, &u); err != nil {
		return false
	}
	*dst = u
	return true
}

// decodeRoomEvent decodes a published room event, leaving its message
// encoded: the event carries the message's seq and time beside it.
func decodeRoomEvent(payload []byte) (roomEvent, error) {
	var ev roomEvent
	if err := ev.read(payload); err != nil {
		return ev, err
	}
	if ev.Seq <= 0 && len(ev.Message) > 0 {
		// From an instance of an earlier version, during a rolling deploy:
		// the seq and time are only in the message.
		var m struct {
			Seq       int64     `json:"seq"`
			CreatedAt chat.Time `json:"created_at"`
		}
		if err := json.Unmarshal(ev.Message, &m); err == nil {
			ev.Seq, ev.At = m.Seq, m.CreatedAt.UnixNano()
		}
	}
	return ev, nil
}

// onEvent is the PubSub handler of a room: decode once, build the frame
// once, fan the same bytes out. It must not block, so store reads for gaps
// happen in a fill goroutine.
func (s *Server) onEvent(r *room, payload []byte) {
	ev, err := decodeRoomEvent(payload)
	if err != nil {
		s.log.Warn("undecodable room event", "room", r.id, "err", err)
		return
	}
	switch ev.Type {
	case chat.EventMessage, chat.EventMessageUpdated, chat.EventMessageDeleted, chat.EventReaction:
		it, ok := eventItem(r.id, &ev)
		if !ok {
			// A publisher without change numbers (an older version in a
			// rolling upgrade): the next change fills the gap from the store.
			s.log.Warn("room event without a change number", "room", r.id, "type", ev.Type)
			return
		}
		s.accept(r, it)
	case chat.EventTyping:
		if ev.User == nil {
			return
		}
		frame := encode(typingFrame{Type: typeTyping, RoomID: r.id, User: *ev.User})
		r.mu.Lock()
		for _, sb := range r.subs {
			if sb.c.user.ID != ev.User.ID { // not back to the typer
				sb.c.deliverEphemeral(sb, frame)
			}
		}
		r.mu.Unlock()
	case eventPresenceChanged: // from an instance of an earlier version, during a rolling deploy (now on presenceChannel)
		r.markPresence()
	}
}

// accept takes a live item of r. A small room's sockets are written here,
// without waiting (on the publisher's goroutine with the in-process
// PubSub, on the receive goroutine with Redis); a big room's by the pool,
// whose writers share the work across CPUs.
func (s *Server) accept(r *room, it item) {
	r.mu.Lock()
	if len(r.subs) > inlineFanout {
		s.acceptLocked(r, it, nil)
		r.mu.Unlock()
		return
	}
	w := s.writeLists.Get().(*[]*conn)
	s.acceptLocked(r, it, w)
	r.mu.Unlock()
	for _, c := range *w {
		c.writeNow()
	}
	clear(*w)
	*w = (*w)[:0]
	s.writeLists.Put(w)
}

// acceptLocked fans out a live item if it is the next change, parks it if
// earlier ones are missing, drops it if already fanned out. r.mu is held;
// w as in conn.pushToLocked.
func (s *Server) acceptLocked(r *room, it item, w *[]*conn) {
	switch {
	case !r.inited || it.prev > r.last:
		r.ahead[it.change] = it
		if r.inited {
			s.startFillLocked(r, true, chat.HubFillGap)
		}
	case it.change > r.last:
		s.fanoutLocked(r, it, w)
		s.drainLocked(r, w)
	}
}

// drainLocked fans out parked items that have become next in line.
func (s *Server) drainLocked(r *room, w *[]*conn) {
	for {
		it, ok := r.ahead[r.last+1]
		if !ok {
			break
		}
		delete(r.ahead, r.last+1)
		s.fanoutLocked(r, it, w)
	}
	maps.DeleteFunc(r.ahead, func(change int64, _ item) bool { return change <= r.last })
	if len(r.ahead) > 0 {
		s.startFillLocked(r, true, chat.HubFillGap)
	}
}

func (s *Server) fanoutLocked(r *room, it item, w *[]*conn) {
	r.recent.add(it, r.last, r.lastSeq)
	r.last, r.lastSeq = it.change, max(r.lastSeq, it.seq)
	n := 0
	for _, sb := range r.subs {
		if sb.c.deliver(sb, it, w) {
			n++
		}
	}
	if n > 0 {
		s.metrics.MessagesDelivered(n)
	}
}

// startFillLocked starts r's fill unless one runs; reason is counted.
func (s *Server) startFillLocked(r *room, wait bool, reason string) {
	if !r.filling {
		s.metrics.HubFill(reason)
		r.filling = true
		go s.fill(r, wait)
	}
}

// fill reads from the store what the room's subscribers miss: the changes
// of a gap (after a short wait, since most gaps are two posts published out
// of order), or everything after last when the broker resynced. The read
// is compacted (each changed message once, in its current form), which
// covers every change up to the newest it returns.
func (s *Server) fill(r *room, wait bool) {
	if wait && !s.sleep(s.cfg.GapWait) {
		return
	}
	for {
		r.mu.Lock()
		if len(r.ahead) == 0 && !r.resync || s.ctx.Err() != nil {
			r.filling = false
			r.mu.Unlock()
			return
		}
		r.resync = false
		after := r.last
		r.mu.Unlock()

		msgs, err := s.svc.ChangesAfter(s.ctx, r.id, after, chat.PageMaxLimit)
		if err != nil {
			s.log.Warn("hub gap fill failed; retrying", "room", r.id, "err", err)
			r.mu.Lock()
			r.resync = true
			r.mu.Unlock()
			if !s.sleep(10 * s.cfg.GapWait) {
				return
			}
			continue
		}
		items := stateItems(msgs, after)
		r.mu.Lock()
		for _, it := range items {
			if it.change > r.last { // the store is the truth
				s.fanoutLocked(r, it, nil)
			}
		}
		if len(msgs) == 0 && len(r.ahead) > 0 && r.last == after {
			// The store has nothing after last, yet later changes arrived:
			// do not wait forever, resume at the lowest one.
			lowest := slices.Min(slices.Collect(maps.Keys(r.ahead)))
			s.log.Warn("hub skipping missing changes", "room", r.id, "after", after, "next", lowest)
			r.last = lowest - 1
			r.recent.reset(r.last, r.lastSeq)
		}
		r.resync = r.resync || len(msgs) == chat.PageMaxLimit
		s.drainLocked(r, nil)
		r.mu.Unlock()
	}
}

// sleep waits d unless the server is stopping (then false).
func (s *Server) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.ctx.Done():
		return false
	}
}

// resync runs after the broker connection came back: every room with local
// subscribers reloads what was published meanwhile from the store; the seq
// filters drop what was already delivered.
func (s *Server) resync() {
	s.endIdleRooms(time.Now(), 0) // nobody to fill them for
	s.roomsMu.Lock()
	rooms := slices.Collect(maps.Values(s.rooms))
	s.roomsMu.Unlock()
	for _, r := range rooms {
		r.mu.Lock()
		if r.inited {
			r.resync = true
			s.startFillLocked(r, false, chat.HubFillResync)
		}
		r.mu.Unlock()
	}
}

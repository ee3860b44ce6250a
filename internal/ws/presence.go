package ws

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// presenceCache is a room's last presence frame, reused by subscribers for
// PresenceDebounce so a thousand joins cost one lookup. Guarded by room.mu.
type presenceCache struct {
	frame []byte
	at    time.Time
	dirty bool // the set changed (here or on another instance) since frame
	// sent is the frame every subscriber of the room was last sent, nil
	// when they may differ (a subscriber got a newer frame of its own).
	sent []byte
}

// gaveOne records that one of the room's subs subscribers (itself
// included) was sent f: alone, it defines what they share; otherwise, if
// the others were sent another frame, they share none. Guarded by room.mu.
func (p *presenceCache) gaveOne(f []byte, subs int) {
	switch {
	case subs <= 1:
		p.sent = f
	case !bytes.Equal(f, p.sent):
		p.sent = nil
	}
}

// markPresence marks the room's online set changed: the next flush sends
// its subscribers a fresh frame.
func (r *room) markPresence() {
	r.mu.Lock()
	r.presence.dirty = true
	r.mu.Unlock()
}

// presenceConnect counts a user's connection ("connected at all"); the
// entry is written with the next presence batch.
func (s *Server) presenceConnect(userID string) {
	s.presMu.Lock()
	defer s.presMu.Unlock()
	e := chat.PresenceEntry{UserID: userID}
	s.presCount[e]++
	s.pb.mark(e)
	s.presWriteLocked()
}

// presenceDisconnect drops the user's connection from the count and waits
// until presence is written: the instance forgets the user, on every
// instance, before the session ends (and Shutdown returns).
func (s *Server) presenceDisconnect(userID string) {
	s.presMu.Lock()
	s.presDecrLocked(chat.PresenceEntry{UserID: userID})
	written := s.presWriteLocked()
	s.presMu.Unlock()
	<-written
}

// presenceJoin counts the user's connection in the room; when it is the
// user's first local connection there, every instance is told the set
// changed once the entry is written. The returned channel closes then.
func (s *Server) presenceJoin(r *room, userID string) <-chan struct{} {
	e := chat.PresenceEntry{RoomID: r.id, UserID: userID}
	s.presMu.Lock()
	defer s.presMu.Unlock()
	s.presCount[e]++
	s.pb.mark(e)
	s.pb.mark(chat.PresenceEntry{UserID: userID}) // refreshed with it, as a join shows the user active
	if s.presCount[e] == 1 {
		s.pb.changed[r.id] = r
	}
	return s.presWriteLocked()
}

// presenceLeave drops the user's connection in the room from the count;
// with the last one, the entry is removed and the room marked changed.
func (s *Server) presenceLeave(r *room, userID string) {
	s.presMu.Lock()
	defer s.presMu.Unlock()
	if s.presDecrLocked(chat.PresenceEntry{RoomID: r.id, UserID: userID}) {
		s.pb.changed[r.id] = r
	}
	s.presWriteLocked()
}

// presDecrLocked drops one count and reports whether it was the last;
// the last marks the entry for removal in the next batch. s.presMu is held.
func (s *Server) presDecrLocked(e chat.PresenceEntry) bool {
	s.presCount[e]--
	if s.presCount[e] > 0 {
		return false
	}
	delete(s.presCount, e)
	s.pb.mark(e)
	return true
}

// presenceChannel carries presence change notices between instances. One
// notice names up to presenceNoticeRooms rooms: a presence batch's changed
// rooms go out in one publish, not one per room (in a reconnect storm a
// batch holds about every room, and a publish per room, each a round trip
// to Redis, took seconds, while other instances' subscribers of rooms not
// yet marked looked their presence up themselves).
const (
	presenceChannel     = "presence"
	presenceNoticeRooms = 500
)

// presenceNotice tells every instance that the online sets of its rooms
// changed.
type presenceNotice struct {
	Type    string   `json:"type"` // eventPresenceChanged
	RoomIDs []string `json:"room_ids"`
}

// presenceChanged marks the rooms here and publishes the change so other
// instances mark them too; frames follow at most once per PresenceDebounce.
func (s *Server) presenceChanged(ctx context.Context, rooms map[string]*room) {
	ids := make([]string, 0, len(rooms))
	for id, r := range rooms {
		r.markPresence()
		ids = append(ids, id)
	}
	for chunk := range slices.Chunk(ids, presenceNoticeRooms) {
		if err := s.ps.Publish(ctx, presenceChannel, encode(presenceNotice{Type: eventPresenceChanged, RoomIDs: chunk})); err != nil {
			s.log.Warn("presence publish failed", "rooms", len(chunk), "err", err)
		}
	}
}

// watchPresence subscribes the instance to presenceChannel, once, before
// its first room goes live (initRoom calls it): no notice for a room it
// holds is missed for want of the subscription.
func (s *Server) watchPresence(ctx context.Context) error {
	s.presWatchMu.Lock()
	defer s.presWatchMu.Unlock()
	if s.presUnsub != nil {
		return nil
	}
	unsub, err := s.ps.Subscribe(ctx, presenceChannel, s.onPresenceNotice)
	if err != nil {
		return err
	}
	s.presUnsub = unsub
	return nil
}

// onPresenceNotice marks the notice's rooms this instance holds.
func (s *Server) onPresenceNotice(p []byte) {
	var n presenceNotice
	if json.Unmarshal(p, &n) != nil || n.Type != eventPresenceChanged {
		return
	}
	rooms := make([]*room, 0, len(n.RoomIDs))
	s.roomsMu.Lock()
	for _, id := range n.RoomIDs {
		if r := s.rooms[id]; r != nil {
			rooms = append(rooms, r)
		}
	}
	s.roomsMu.Unlock()
	for _, r := range rooms {
		r.markPresence()
	}
}

// refreshPresence re-touches every local entry, so entries live while their
// connections do and vanish a TTL after this instance dies. It goes through
// the batch writer like any other write: a touch of its own, written beside
// the writer's, could land after the removal of an entry that was counted
// when it was taken and show the user online until the TTL.
func (s *Server) refreshPresence() {
	s.presMu.Lock()
	defer s.presMu.Unlock()
	if len(s.presCount) == 0 {
		return
	}
	for e := range s.presCount {
		s.pb.mark(e)
	}
	s.presWriteLocked()
}

// presenceLookupRooms bounds the rooms of one Presence.Online call in a
// flush: one round trip each, with replies of a bounded size.
const presenceLookupRooms = 256

// flushPresence sends a fresh presence frame to the local subscribers of
// every room whose set changed since the last flush. The rooms are looked
// up together, presenceLookupRooms a round trip: in a reconnect storm every
// room changes between two flushes. A room whose lookup failed stays
// changed, for the next flush.
//
// With recheck it also looks up every other room with subscribers and
// sends a frame only where the set differs from what they were sent: a
// set can change with no notice (the entries of an instance that died
// expire after the TTL, a notice can be lost), and without this the
// subscribers of a quiet room would show those users online until its
// next change.
func (s *Server) flushPresence(ctx context.Context, recheck bool) {
	s.roomsMu.Lock()
	rooms := slices.Collect(maps.Values(s.rooms))
	s.roomsMu.Unlock()
	due := rooms[:0]
	changed := map[*room]bool{}
	for _, r := range rooms {
		r.mu.Lock()
		if r.inited && len(r.subs) > 0 { // a lingering room waits for its next subscriber
			if r.presence.dirty {
				r.presence.dirty = false
				changed[r] = true
				due = append(due, r)
			} else if recheck {
				due = append(due, r)
			}
		}
		r.mu.Unlock()
	}
	for chunk := range slices.Chunk(due, presenceLookupRooms) {
		ids := make([]string, len(chunk))
		for i, r := range chunk {
			ids[i] = r.id
		}
		online, err := s.pr.Online(ctx, ids)
		if err != nil {
			s.log.Warn("presence lookup failed", "rooms", len(ids), "err", err)
			for _, r := range chunk {
				if changed[r] {
					r.markPresence()
				}
			}
			continue
		}
		for _, r := range chunk {
			frame, err := s.newPresenceFrame(ctx, r, online[r.id])
			if err != nil {
				s.log.Warn("presence names failed", "room", r.id, "err", err)
				continue
			}
			r.mu.Lock()
			if changed[r] || !bytes.Equal(frame, r.presence.sent) {
				for _, sb := range r.subs {
					sb.c.deliverEphemeral(sb, frame)
				}
				r.presence.sent = frame
			}
			r.mu.Unlock()
		}
	}
}

// presenceFrame returns the room's presence frame for a new subscriber,
// reusing the kept one when it is younger than maxAge, or when the room is
// changed: the next flush then brings every live subscriber a fresh frame
// within PresenceDebounce, so a lookup now would only add a round trip (in
// a reconnect storm, one per subscribe: the joins keep every room changed).
// A failed lookup marks the room changed, so the frame comes with the next
// flush.
func (s *Server) presenceFrame(ctx context.Context, r *room, maxAge time.Duration) ([]byte, error) {
	r.mu.Lock()
	if r.presence.frame != nil && (r.presence.dirty || time.Since(r.presence.at) < maxAge) {
		f := r.presence.frame
		r.presence.gaveOne(f, len(r.subs))
		r.mu.Unlock()
		s.metrics.Cache(chat.CachePresence, chat.CacheHit)
		return f, nil
	}
	r.mu.Unlock()
	s.metrics.Cache(chat.CachePresence, chat.CacheMiss)
	online, err := s.pr.Online(ctx, []string{r.id})
	if err != nil {
		r.markPresence()
		return nil, err
	}
	f, err := s.newPresenceFrame(ctx, r, online[r.id])
	if err == nil {
		r.mu.Lock()
		r.presence.gaveOne(f, len(r.subs))
		r.mu.Unlock()
	}
	return f, err
}

// newPresenceFrame builds (and keeps) the room's presence frame from the
// ids online in it. The list holds at most PresenceListMax users (by
// username); the count is exact.
func (s *Server) newPresenceFrame(ctx context.Context, r *room, ids []string) ([]byte, error) {
	slices.Sort(ids)
	list := ids[:min(len(ids), s.cfg.PresenceListMax)]
	users := []chat.UserRef{}
	if len(list) > 0 {
		var err error
		if users, err = s.svc.UsersByIDs(ctx, list); err != nil {
			return nil, err
		}
	}
	if users == nil {
		users = []chat.UserRef{}
	}
	slices.SortFunc(users, func(a, b chat.UserRef) int { return strings.Compare(a.Username, b.Username) })
	frame := encode(presenceFrame{Type: typePresence, RoomID: r.id, Online: users, Count: len(ids)})
	r.mu.Lock()
	r.presence.frame, r.presence.at = frame, time.Now()
	r.mu.Unlock()
	return frame, nil
}

package memory

import (
	"context"
	"sync"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// Presence is an in-process chat.Presence. Entries carry an expiry like the
// Redis ones, so an instance that stops touching them loses them after the
// TTL. Several Presences made with Instance share one table, standing in
// for several instances in one process (tests).
type Presence struct {
	instance string
	ttl      time.Duration
	now      func() time.Time
	t        *presenceTable
}

type presenceTable struct {
	mu    sync.Mutex
	rooms map[string]map[presenceMember]time.Time // room id → member → expiry
	users map[string]map[string]time.Time         // room "" by user: user id → instance → expiry
}

type presenceMember struct{ user, instance string }

var _ chat.Presence = (*Presence)(nil)

// NewPresence returns an empty presence table seen from instanceID, whose
// entries live ttl after their last Touch. now may be nil (time.Now).
func NewPresence(instanceID string, ttl time.Duration, now func() time.Time) *Presence {
	if now == nil {
		now = time.Now
	}
	return &Presence{instance: instanceID, ttl: ttl, now: now,
		t: &presenceTable{rooms: map[string]map[presenceMember]time.Time{}, users: map[string]map[string]time.Time{}}}
}

// Instance returns a Presence sharing p's table as another instance.
func (p *Presence) Instance(instanceID string) *Presence {
	q := *p
	q.instance = instanceID
	return &q
}

// Touch implements chat.Presence.
func (p *Presence) Touch(_ context.Context, entries []chat.PresenceEntry) error {
	until := p.now().Add(p.ttl)
	p.t.mu.Lock()
	defer p.t.mu.Unlock()
	for _, e := range entries {
		room := p.t.rooms[e.RoomID]
		if room == nil {
			room = map[presenceMember]time.Time{}
			p.t.rooms[e.RoomID] = room
		}
		room[presenceMember{e.UserID, p.instance}] = until
		if e.RoomID == "" {
			if p.t.users[e.UserID] == nil {
				p.t.users[e.UserID] = map[string]time.Time{}
			}
			p.t.users[e.UserID][p.instance] = until
		}
	}
	return nil
}

// Remove implements chat.Presence.
func (p *Presence) Remove(_ context.Context, entries []chat.PresenceEntry) error {
	p.t.mu.Lock()
	defer p.t.mu.Unlock()
	for _, e := range entries {
		room := p.t.rooms[e.RoomID]
		delete(room, presenceMember{e.UserID, p.instance})
		if len(room) == 0 {
			delete(p.t.rooms, e.RoomID)
		}
		if e.RoomID == "" {
			delete(p.t.users[e.UserID], p.instance)
			if len(p.t.users[e.UserID]) == 0 {
				delete(p.t.users, e.UserID)
			}
		}
	}
	return nil
}

// Online implements chat.Presence; it also forgets the room's expired
// entries, which bounds the table by the live entries plus those of rooms
// nobody has looked at since.
func (p *Presence) Online(_ context.Context, roomIDs []string) (map[string][]string, error) {
	now := p.now()
	p.t.mu.Lock()
	defer p.t.mu.Unlock()
	out := make(map[string][]string, len(roomIDs))
	for _, id := range roomIDs {
		room := p.t.rooms[id]
		seen := map[string]bool{}
		users := []string{}
		for m, until := range room {
			if !now.Before(until) {
				delete(room, m)
				continue
			}
			if !seen[m.user] {
				seen[m.user] = true
				users = append(users, m.user)
			}
		}
		if room != nil && len(room) == 0 {
			delete(p.t.rooms, id)
		}
		out[id] = users
	}
	return out, nil
}

// IsOnline implements chat.Presence: a live entry of room "" on any instance.
func (p *Presence) IsOnline(_ context.Context, userID string) (bool, error) {
	now := p.now()
	p.t.mu.Lock()
	defer p.t.mu.Unlock()
	for instance, until := range p.t.users[userID] {
		if now.Before(until) {
			return true, nil
		}
		delete(p.t.users[userID], instance)
		delete(p.t.rooms[""], presenceMember{userID, instance})
	}
	if len(p.t.rooms[""]) == 0 {
		delete(p.t.rooms, "")
	}
	delete(p.t.users, userID) // none live: forget the user
	return false, nil
}

package chat

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Every post, page and subscribe asks who may read and write a room, so
// each instance keeps the answers instead of asking the database each
// time: a room's visibility (fixed at creation) and, for direct rooms, its
// members; and positive memberships (a non-member's request goes to the
// database, so a new member is seen at once). The instance that changes a
// membership updates its own entries before it answers, and every other
// instance drops them when the change arrives on MembersChannel; if the
// broker loses messages (a resync), every entry is dropped, and an entry
// lives at most MemberCacheTTL whatever happens.
const (
	MemberCacheTTL  = time.Minute
	MemberCacheSize = 200_000 // entries per map; when full it is emptied and refills
)

type memberKey struct{ room, user string }

type roleEntry struct {
	role    Role
	expires time.Time
}

// roomMeta is what authorization needs of a room, and the room itself
// (its name and topic may trail a rename on another instance by up to
// MemberCacheTTL; they only label room_added frames).
type roomMeta struct {
	vis       Visibility
	room      Room
	memberIDs []string // direct rooms only
	expires   time.Time
}

type memberCache struct {
	mu    sync.Mutex
	roles map[memberKey]roleEntry
	rooms map[string]roomMeta
}

func newMemberCache() *memberCache {
	return &memberCache{roles: map[memberKey]roleEntry{}, rooms: map[string]roomMeta{}}
}

func (c *memberCache) role(roomID, userID string, now time.Time) (Role, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.roles[memberKey{roomID, userID}]
	if !ok || !now.Before(e.expires) {
		return "", false
	}
	return e.role, true
}

func (c *memberCache) setRole(roomID, userID string, r Role, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.roles) >= MemberCacheSize {
		clear(c.roles)
	}
	c.roles[memberKey{roomID, userID}] = roleEntry{role: r, expires: now.Add(MemberCacheTTL)}
}

func (c *memberCache) room(roomID string, now time.Time) (roomMeta, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m, ok := c.rooms[roomID]
	if !ok || !now.Before(m.expires) {
		return roomMeta{}, false
	}
	return m, true
}

func (c *memberCache) setRoom(roomID string, m roomMeta, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.rooms) >= MemberCacheSize {
		clear(c.rooms)
	}
	m.expires = now.Add(MemberCacheTTL)
	c.rooms[roomID] = m
}

// forget drops what the cache knows of one membership, and a direct room's
// member list (which the change may alter).
func (c *memberCache) forget(roomID, userID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.roles, memberKey{roomID, userID})
	if m, ok := c.rooms[roomID]; ok && m.vis == Direct {
		delete(c.rooms, roomID)
	}
}

// forgetRoom drops what the cache knows of a room itself (after a rename).
func (c *memberCache) forgetRoom(roomID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.rooms, roomID)
}

func (c *memberCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.roles)
	clear(c.rooms)
}

// roomMeta returns a room's visibility (and a direct room's members),
// from the cache or the store. Error: ENOTFOUND.
func (s *Service) roomMeta(ctx context.Context, roomID string) (roomMeta, error) {
	if err := checkRoomID(roomID); err != nil {
		return roomMeta{}, err
	}
	now := s.now()
	if m, ok := s.members.room(roomID, now); ok {
		return m, nil
	}
	r, err := s.store.RoomByID(ctx, roomID)
	if err != nil {
		return roomMeta{}, err
	}
	m := roomMeta{vis: r.Visibility, room: r}
	if r.Visibility == Direct {
		if m.memberIDs, err = s.store.MemberIDs(ctx, roomID, nil); err != nil {
			return roomMeta{}, err
		}
	}
	s.members.setRoom(roomID, m, now)
	return m, nil
}

// memberRole returns the user's role in the room, or "" for a non-member.
func (s *Service) memberRole(ctx context.Context, roomID, userID string) (Role, error) {
	now := s.now()
	if r, ok := s.members.role(roomID, userID, now); ok {
		return r, nil
	}
	m, err := s.store.Member(ctx, roomID, userID)
	switch {
	case ErrorCode(err) == ENOTFOUND:
		return "", nil
	case err != nil:
		return "", err
	}
	s.members.setRole(roomID, userID, m.Role, now)
	return m.Role, nil
}

// OnMemberEvent registers f to run with every event of MembersChannel, on
// any instance (once WatchMembers runs), after the cache has dropped what
// the event changes. f must not block.
func (s *Service) OnMemberEvent(f func(Event)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onMember = append(s.onMember, f)
}

// WatchMembers subscribes to membership changes from every instance. Call
// once at start-up.
func (s *Service) WatchMembers(ctx context.Context) error {
	_, err := s.pubsub.Subscribe(ctx, MembersChannel, func(p []byte) {
		e, err := DecodeEvent(p)
		if err != nil {
			return
		}
		switch e.Type {
		case EventRead:
		case EventRoomChanged:
			s.members.forgetRoom(e.RoomID)
		default:
			s.members.forget(e.RoomID, e.UserID)
		}
		s.mu.Lock()
		hooks := slices.Clone(s.onMember)
		s.mu.Unlock()
		for _, f := range hooks {
			f(e)
		}
	})
	if err != nil {
		return err
	}
	s.pubsub.OnResync(s.members.clear)
	return nil
}

package chat

import (
	"context"
	"encoding/base64"
	"strings"
)

// Limits of the room directory.
const (
	RoomsDefaultLimit = 50
	RoomsMaxLimit     = 100
	RoomQueryMaxLen   = 64
)

// RoomQuery pages the public directory: rooms whose name contains Q
// (case-insensitively), after Cursor (from RoomPage.NextCursor).
type RoomQuery struct {
	Q      string
	Cursor string
	Limit  int
}

// RoomPage is a page of the directory and the cursor of the next ("" at the end).
type RoomPage struct {
	Rooms      []Room `json:"rooms"`
	NextCursor string `json:"next_cursor"`
}

// CreateRoom creates a public or private room (public when vis is empty)
// with the actor as owner. Errors: EINVALID, ECONFLICT, ERATELIMITED.
func (s *Service) CreateRoom(ctx context.Context, actor User, name, topic string, vis Visibility) (Room, error) {
	if err := s.Limit(ctx, LimitRooms, actor.ID); err != nil {
		return Room{}, err
	}
	if vis == "" {
		vis = Public
	}
	if !vis.creatable() {
		return Room{}, Invalid("visibility", "must be public or private (direct conversations start with POST /api/v1/dms)")
	}
	name, topic, err := ValidateRoom(name, topic)
	if err != nil {
		return Room{}, err
	}
	r := Room{ID: NewID(), Name: name, Topic: topic, Visibility: vis, CreatedBy: actor.ID, CreatedAt: NewTime(s.now())}
	if err := s.store.CreateRoom(ctx, r); err != nil {
		return Room{}, err
	}
	s.members.setRole(r.ID, actor.ID, Owner, s.now())
	if vis == Public {
		if err := s.cache.AddRoom(ctx, r); err != nil {
			s.metrics.Cache(CacheRooms, CacheError)
			s.log.WarnContext(ctx, "cache add room failed", "err", err)
			s.invalidateRooms(ctx)
		}
	}
	s.announceMember(ctx, r.ID, actor.ID)
	return r, nil
}

func (s *Service) invalidateRooms(ctx context.Context) {
	if err := s.cache.InvalidateRooms(ctx); err != nil {
		s.log.WarnContext(ctx, "cache invalidate rooms failed", "err", err)
	}
}

// Rooms lists every public room, from the cache when it holds the whole list.
func (s *Service) Rooms(ctx context.Context) ([]Room, error) {
	rooms, ok, err := s.cache.Rooms(ctx)
	switch {
	case err != nil:
		s.metrics.Cache(CacheRooms, CacheFallback)
	case ok:
		s.metrics.Cache(CacheRooms, CacheHit)
		return rooms, nil
	default:
		s.metrics.Cache(CacheRooms, CacheMiss)
	}
	rooms, err = s.store.Rooms(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.cache.FillRooms(ctx, rooms); err != nil {
		s.metrics.Cache(CacheRooms, CacheError)
	}
	return rooms, nil
}

// Directory pages the public rooms by name, filtered by q.Q. It pages the
// cached list (the whole directory), so a page costs no query while the
// cache holds it. Error: EINVALID.
func (s *Service) Directory(ctx context.Context, q RoomQuery) (RoomPage, error) {
	switch {
	case q.Limit == 0:
		q.Limit = RoomsDefaultLimit
	case q.Limit < 0 || q.Limit > RoomsMaxLimit:
		return RoomPage{}, Invalid("limit", "must be 1 to %d", RoomsMaxLimit)
	}
	if err := CheckText("q", q.Q, TextLine); err != nil {
		return RoomPage{}, err
	}
	if len([]rune(q.Q)) > RoomQueryMaxLen {
		return RoomPage{}, Invalid("q", "must be at most %d characters", RoomQueryMaxLen)
	}
	after, err := decodeRoomCursor(q.Cursor)
	if err != nil {
		return RoomPage{}, err
	}
	rooms, err := s.Rooms(ctx)
	if err != nil {
		return RoomPage{}, err
	}
	needle := FoldName(strings.TrimSpace(q.Q))
	p := RoomPage{Rooms: []Room{}}
	for _, r := range rooms { // sorted by SortRooms
		if after != "" && roomCursorKey(r) <= after || !strings.Contains(FoldName(r.Name), needle) {
			continue
		}
		if len(p.Rooms) == q.Limit {
			p.NextCursor = encodeRoomCursor(p.Rooms[q.Limit-1])
			break
		}
		p.Rooms = append(p.Rooms, r)
	}
	return p, nil
}

// roomCursorKey orders rooms as SortRooms does: public names are unique
// case-insensitively, the id settles the rest.
func roomCursorKey(r Room) string { return FoldName(r.Name) + "\x00" + r.ID }

func encodeRoomCursor(r Room) string {
	return base64.RawURLEncoding.EncodeToString([]byte(roomCursorKey(r)))
}

func decodeRoomCursor(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !strings.Contains(string(b), "\x00") {
		return "", Invalid("cursor", "is not a cursor this server gave out")
	}
	return string(b), nil
}

// Room returns one room the actor may see; a direct room carries its other
// members. Error: ENOTFOUND.
func (s *Service) Room(ctx context.Context, actor User, id string) (Room, error) {
	if err := s.CanRead(ctx, actor, id); err != nil {
		return Room{}, err
	}
	r, err := s.store.RoomByID(ctx, id)
	if err != nil || r.Visibility != Direct {
		return r, err
	}
	ids, err := s.store.MemberIDs(ctx, id, nil)
	if err != nil {
		return Room{}, err
	}
	users, err := s.store.UsersByIDs(ctx, ids)
	if err != nil {
		return Room{}, err
	}
	r.Members = othersOf(users, actor.ID)
	return r, nil
}

// UpdateRoom renames a room or changes its topic: the owner and moderators
// may. Errors: EINVALID, ENOTFOUND, EFORBIDDEN, ECONFLICT.
func (s *Service) UpdateRoom(ctx context.Context, actor User, id string, p RoomPatch) (Room, error) {
	a, err := s.authorize(ctx, actor, id)
	if err != nil {
		return Room{}, err
	}
	if a.meta.vis == Direct || !a.role.manages() {
		return Room{}, Errorf(EFORBIDDEN, "only the owner and moderators may change the room")
	}
	if err := writable(a.meta); err != nil {
		return Room{}, err
	}
	old, err := s.store.RoomByID(ctx, id)
	if err != nil {
		return Room{}, err
	}
	name, topic := old.Name, old.Topic
	if p.Name != nil {
		name = *p.Name
	}
	if p.Topic != nil {
		topic = *p.Topic
	}
	if name, topic, err = ValidateRoom(name, topic); err != nil {
		return Room{}, err
	}
	r, err := s.store.UpdateRoom(ctx, id, RoomPatch{Name: &name, Topic: &topic})
	if err != nil {
		return Room{}, err
	}
	s.roomChanged(ctx, r, &r)
	return r, nil
}

// Typing tells a room's subscribers that actor is typing. Nothing is
// stored. The caller has checked the room (a WebSocket session only relays
// typing for rooms it subscribed to). Error: ERATELIMITED.
func (s *Service) Typing(ctx context.Context, actor User, roomID string) error {
	if err := s.Limit(ctx, LimitTyping, actor.ID); err != nil {
		return err
	}
	ref := actor.Ref()
	s.publish(ctx, RoomChannel(roomID), Event{Type: EventTyping, RoomID: roomID, User: &ref})
	return nil
}

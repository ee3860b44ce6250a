package chat

import "context"

// CreateRoom creates a room. Errors: EINVALID, ECONFLICT, ERATELIMITED.
func (s *Service) CreateRoom(ctx context.Context, actor User, name, topic string) (Room, error) {
	if err := s.Limit(ctx, LimitRooms, actor.ID); err != nil {
		return Room{}, err
	}
	name, topic, err := ValidateRoom(name, topic)
	if err != nil {
		return Room{}, err
	}
	r := Room{ID: NewID(), Name: name, Topic: topic, CreatedBy: actor.ID, CreatedAt: NewTime(s.now())}
	if err := s.store.CreateRoom(ctx, r); err != nil {
		return Room{}, err
	}
	if err := s.cache.AddRoom(ctx, r); err != nil {
		s.metrics.Cache(CacheRooms, CacheError)
		s.log.WarnContext(ctx, "cache add room failed", "err", err)
		if err := s.cache.InvalidateRooms(ctx); err != nil {
			s.log.WarnContext(ctx, "cache invalidate rooms failed", "err", err)
		}
	}
	s.publish(ctx, RoomsChannel, Event{Type: EventRoom, RoomID: r.ID, Room: &r})
	return r, nil
}

// Rooms lists every room, from the cache when it holds the whole list.
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

// Room returns one room. Error: ENOTFOUND. It asks the store (a primary-key
// lookup) rather than scanning the cached list, which would decode every
// room to find one.
func (s *Service) Room(ctx context.Context, id string) (Room, error) {
	return s.store.RoomByID(ctx, id)
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

package chat

import "context"

// PresenceEntry says that a user is connected to an instance, subscribed to a
// room. RoomID "" means "connected at all" (used for e-mail preferences).
type PresenceEntry struct {
	RoomID string
	UserID string
}

// Presence tracks who is online, across instances, with TTLs instead of a
// write per message: each instance re-touches its live entries every
// PresenceRefresh and entries of a dead instance vanish after the TTL.
// Implementations: internal/memory and internal/redis; both pass
// chattest.TestPresence.
type Presence interface {
	// Touch marks entries as live for this instance until the TTL passes.
	Touch(ctx context.Context, entries []PresenceEntry) error
	// Remove drops this instance's entries now (last local connection gone).
	Remove(ctx context.Context, entries []PresenceEntry) error
	// Online lists, for each of roomIDs, the distinct user ids live in the
	// room on any instance, in one round trip however many rooms (a room
	// with nobody may be left out).
	Online(ctx context.Context, roomIDs []string) (map[string][]string, error)
	// IsOnline reports whether the user has a live connection on any instance.
	IsOnline(ctx context.Context, userID string) (bool, error)
}

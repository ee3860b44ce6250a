package chat

import (
	"context"
	"encoding/json"
)

// Cache serves the room list and each room's newest messages without the
// database. It is never the source of truth: every method may miss, and a
// reader that gets ok=false or an error goes to the Store. Implementations:
// internal/memory (bounded, in-process) and internal/redis; both pass
// chattest.TestCache.
//
// Both use cases are additive sets with a "complete" marker rather than
// values that are replaced, so a fill racing a write-through never loses the
// write: a write-through always lands, and a fill only adds what the
// database held and marks the set complete.
type Cache interface {
	// Rooms returns the whole room list (sorted like RoomStore.Rooms); ok is
	// false unless a FillRooms made the set complete and it has not expired.
	Rooms(ctx context.Context) (rooms []Room, ok bool, err error)
	// FillRooms adds rooms (the full list as just read from the store) and
	// marks the set complete for the configured TTL.
	FillRooms(ctx context.Context, rooms []Room) error
	// AddRoom writes a newly committed room through, complete or not.
	AddRoom(ctx context.Context, r Room) error
	// InvalidateRooms drops the set.
	InvalidateRooms(ctx context.Context) error

	// LatestMessages returns the newest limit messages of a room, oldest
	// first. ok is false unless the cache can prove the answer exact: the
	// cached run is contiguous by seq and either holds limit messages or
	// reaches back to seq 1.
	LatestMessages(ctx context.Context, roomID string, limit int) (msgs []Message, ok bool, err error)
	// LatestMessagesJSON is LatestMessages with each message in its shared
	// encoding (EncodeMessage: no reader's "me"), for a reader that passes
	// the page on: a cache that stores JSON hands its bytes through without
	// decoding them.
	LatestMessagesJSON(ctx context.Context, roomID string, limit int) (msgs []json.RawMessage, ok bool, err error)
	// MessagesAfter returns every cached message with seq > after, oldest
	// first, when the cache provably holds all of them (ok), else ok=false.
	MessagesAfter(ctx context.Context, roomID string, after int64) (msgs []Message, ok bool, err error)
	// FillMessages adds msgs, the newest messages of a room (contiguous, as
	// just read from the store; empty for a room without messages), and marks
	// the run from msgs[0].Seq (or 1 when empty) on as complete.
	FillMessages(ctx context.Context, roomID string, msgs []Message) error
	// AddMessage writes a committed message (new, or changed: edited,
	// deleted, reacted to) through, keyed by seq; a seq already cached is
	// replaced only by a higher Change, so concurrent writers cannot leave an
	// older form. Trims to the configured size.
	AddMessage(ctx context.Context, m Message) error
	// InvalidateMessages drops a room's cached messages.
	InvalidateMessages(ctx context.Context, roomID string) error
}

// NoCache is a Cache that holds nothing: every read misses, every write is
// dropped. It exists to measure what the cache buys (--cache-disabled).
type NoCache struct{}

func (NoCache) Rooms(context.Context) ([]Room, bool, error)           { return nil, false, nil }
func (NoCache) FillRooms(context.Context, []Room) error               { return nil }
func (NoCache) AddRoom(context.Context, Room) error                   { return nil }
func (NoCache) InvalidateRooms(context.Context) error                 { return nil }
func (NoCache) FillMessages(context.Context, string, []Message) error { return nil }
func (NoCache) AddMessage(context.Context, Message) error             { return nil }
func (NoCache) InvalidateMessages(context.Context, string) error      { return nil }
func (NoCache) LatestMessages(context.Context, string, int) ([]Message, bool, error) {
	return nil, false, nil
}
func (NoCache) LatestMessagesJSON(context.Context, string, int) ([]json.RawMessage, bool, error) {
	return nil, false, nil
}
func (NoCache) MessagesAfter(context.Context, string, int64) ([]Message, bool, error) {
	return nil, false, nil
}

package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/open-chat/openchat/internal/chat"
)

// Cache is the Redis chat.Cache. Every call is bounded by Options.Timeout
// and returns an error rather than wait: the Service then reads the store.
type Cache struct {
	rdb  *goredis.Client
	opts Options

	add, fill, read, rooms *goredis.Script
}

var _ chat.Cache = (*Cache)(nil)

func newCache(rdb *goredis.Client, opts Options) *Cache {
	return &Cache{rdb: rdb, opts: opts,
		add: goredis.NewScript(addMessageLua), fill: goredis.NewScript(fillMessagesLua),
		read: goredis.NewScript(readMessagesLua), rooms: goredis.NewScript(readRoomsLua)}
}

// roomsHashTTL keeps the room hash alive at least as long as its
// completeness marker; it is refreshed by every write.
func (c *Cache) roomsHashTTL() time.Duration {
	return max(c.opts.MessagesTTL, c.opts.RoomsTTL)
}

// Rooms implements chat.Cache.
func (c *Cache) Rooms(ctx context.Context) ([]chat.Room, bool, error) {
	ctx, cancel := withTimeout(ctx, c.opts.Timeout)
	defer cancel()
	res, err := c.rooms.Run(ctx, c.rdb, []string{c.opts.roomsKey(), c.opts.roomsCompleteKey()}).Slice()
	if err != nil {
		return nil, false, fmt.Errorf("redis cache: rooms: %w", err)
	}
	vals, ok, err := scriptResult(res)
	if err != nil || !ok {
		return nil, false, err
	}
	rooms := make([]chat.Room, 0, len(vals))
	for _, v := range vals {
		var r chat.Room
		if err := json.Unmarshal([]byte(v), &r); err != nil {
			return nil, false, fmt.Errorf("redis cache: decode room: %w", err)
		}
		rooms = append(rooms, r)
	}
	chat.SortRooms(rooms)
	return rooms, true, nil
}

// FillRooms implements chat.Cache: HSET of every room, then the
// completeness marker, in one MULTI.
func (c *Cache) FillRooms(ctx context.Context, rooms []chat.Room) error {
	fields := make([]any, 0, 2*len(rooms))
	for _, r := range rooms {
		b, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("redis cache: encode room: %w", err)
		}
		fields = append(fields, r.ID, b)
	}
	ctx, cancel := withTimeout(ctx, c.opts.Timeout)
	defer cancel()
	_, err := c.rdb.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		if len(fields) > 0 {
			p.HSet(ctx, c.opts.roomsKey(), fields...)
			p.PExpire(ctx, c.opts.roomsKey(), c.roomsHashTTL())
		}
		p.Set(ctx, c.opts.roomsCompleteKey(), "1", c.opts.RoomsTTL)
		return nil
	})
	if err != nil {
		return fmt.Errorf("redis cache: fill rooms: %w", err)
	}
	return nil
}

// AddRoom implements chat.Cache; it never touches the marker, so it
// neither completes nor extends the list.
func (c *Cache) AddRoom(ctx context.Context, r chat.Room) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("redis cache: encode room: %w", err)
	}
	ctx, cancel := withTimeout(ctx, c.opts.Timeout)
	defer cancel()
	_, err = c.rdb.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		p.HSet(ctx, c.opts.roomsKey(), r.ID, b)
		p.PExpire(ctx, c.opts.roomsKey(), c.roomsHashTTL())
		return nil
	})
	if err != nil {
		return fmt.Errorf("redis cache: add room: %w", err)
	}
	return nil
}

// InvalidateRooms implements chat.Cache.
func (c *Cache) InvalidateRooms(ctx context.Context) error {
	ctx, cancel := withTimeout(ctx, c.opts.Timeout)
	defer cancel()
	if err := c.rdb.Del(ctx, c.opts.roomsCompleteKey(), c.opts.roomsKey()).Err(); err != nil {
		return fmt.Errorf("redis cache: invalidate rooms: %w", err)
	}
	return nil
}

// LatestMessages implements chat.Cache.
func (c *Cache) LatestMessages(ctx context.Context, roomID string, limit int) ([]chat.Message, bool, error) {
	if limit <= 0 {
		return []chat.Message{}, true, nil
	}
	msgs, ok, err := c.readMessages(ctx, roomID, "latest", int64(limit))
	slices.Reverse(msgs) // the script reads newest first
	return msgs, ok, err
}

// LatestMessagesJSON implements chat.Cache: the stored bytes, undecoded.
func (c *Cache) LatestMessagesJSON(ctx context.Context, roomID string, limit int) ([]json.RawMessage, bool, error) {
	if limit <= 0 {
		return []json.RawMessage{}, true, nil
	}
	vals, ok, err := c.readRaw(ctx, roomID, "latest", int64(limit))
	if !ok || err != nil {
		return nil, ok, err
	}
	raw := make([]json.RawMessage, len(vals))
	for i, v := range vals {
		raw[len(vals)-1-i] = json.RawMessage(v) // the script reads newest first
	}
	return raw, true, nil
}

// MessagesAfter implements chat.Cache.
func (c *Cache) MessagesAfter(ctx context.Context, roomID string, after int64) ([]chat.Message, bool, error) {
	return c.readMessages(ctx, roomID, "after", after)
}

func (c *Cache) readMessages(ctx context.Context, roomID, mode string, arg int64) ([]chat.Message, bool, error) {
	vals, ok, err := c.readRaw(ctx, roomID, mode, arg)
	if err != nil || !ok {
		return nil, false, err
	}
	msgs := make([]chat.Message, len(vals))
	for i, v := range vals {
		if err := json.Unmarshal([]byte(v), &msgs[i]); err != nil {
			return nil, false, fmt.Errorf("redis cache: decode message: %w", err)
		}
	}
	return msgs, true, nil
}

// readRaw runs the read script: the stored encodings, as readMessages
// documents.
func (c *Cache) readRaw(ctx context.Context, roomID, mode string, arg int64) ([]string, bool, error) {
	ctx, cancel := withTimeout(ctx, c.opts.Timeout)
	defer cancel()
	keys := []string{c.opts.msgsKey(roomID), c.opts.msgsLoKey(roomID)}
	res, err := c.read.Run(ctx, c.rdb, keys, mode, arg).Slice()
	if err != nil {
		return nil, false, fmt.Errorf("redis cache: read messages: %w", err)
	}
	return scriptResult(res)
}

// FillMessages implements chat.Cache.
func (c *Cache) FillMessages(ctx context.Context, roomID string, msgs []chat.Message) error {
	lo, hi := int64(1), int64(0)
	if len(msgs) > 0 {
		lo, hi = msgs[0].Seq, msgs[len(msgs)-1].Seq
	}
	args := make([]any, 0, 4+3*len(msgs))
	args = append(args, c.opts.MessagesPerRoom, c.opts.MessagesTTL.Milliseconds(), lo, hi)
	for _, m := range msgs {
		args = append(args, m.Seq, m.Change, []byte(chat.EncodeMessage(m)))
	}
	ctx, cancel := withTimeout(ctx, c.opts.Timeout)
	defer cancel()
	keys := []string{c.opts.msgsKey(roomID), c.opts.msgsLoKey(roomID)}
	if err := c.fill.Run(ctx, c.rdb, keys, args...).Err(); err != nil {
		return fmt.Errorf("redis cache: fill messages: %w", err)
	}
	return nil
}

// AddMessage implements chat.Cache.
func (c *Cache) AddMessage(ctx context.Context, m chat.Message) error {
	b := chat.EncodeMessage(m)
	ctx, cancel := withTimeout(ctx, c.opts.Timeout)
	defer cancel()
	keys := []string{c.opts.msgsKey(m.RoomID), c.opts.msgsLoKey(m.RoomID)}
	err := c.add.Run(ctx, c.rdb, keys, m.Seq, []byte(b), c.opts.MessagesPerRoom, c.opts.MessagesTTL.Milliseconds(), m.Change).Err()
	if err != nil {
		return fmt.Errorf("redis cache: add message: %w", err)
	}
	return nil
}

// InvalidateMessages implements chat.Cache.
func (c *Cache) InvalidateMessages(ctx context.Context, roomID string) error {
	ctx, cancel := withTimeout(ctx, c.opts.Timeout)
	defer cancel()
	if err := c.rdb.Del(ctx, c.opts.msgsLoKey(roomID), c.opts.msgsKey(roomID)).Err(); err != nil {
		return fmt.Errorf("redis cache: invalidate messages: %w", err)
	}
	return nil
}

// scriptResult decodes {0} (no exact answer) or {1, {values…}}.
func scriptResult(res []any) ([]string, bool, error) {
	if len(res) == 0 {
		return nil, false, fmt.Errorf("redis cache: empty script result")
	}
	if flag, _ := res[0].(int64); flag != 1 {
		return nil, false, nil
	}
	if len(res) < 2 {
		return []string{}, true, nil
	}
	items, ok := res[1].([]any)
	if !ok {
		return nil, false, fmt.Errorf("redis cache: unexpected script result %T", res[1])
	}
	vals := make([]string, len(items))
	for i, it := range items {
		s, ok := it.(string)
		if !ok {
			return nil, false, fmt.Errorf("redis cache: unexpected script item %T", it)
		}
		vals[i] = s
	}
	return vals, true, nil
}

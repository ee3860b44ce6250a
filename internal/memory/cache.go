// Package memory implements chat.Cache, chat.PubSub and chat.Presence inside
// one process: the single-instance default, and the fast implementations
// that the conformance suites in chattest hold to the same contract as the
// Redis ones.
package memory

import (
	"cmp"
	"container/list"
	"context"
	"encoding/json"
	"slices"
	"sync"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// Defaults of CacheConfig.
const (
	DefaultRoomsTTL        = 10 * time.Second
	DefaultMessagesPerRoom = 50
	DefaultMaxRooms        = 10_000
)

// CacheConfig bounds the in-process cache. Zero values take the defaults.
type CacheConfig struct {
	// RoomsTTL is how long a filled room list stays complete. Write-through
	// keeps it fresh; the TTL is a safety net.
	RoomsTTL time.Duration
	// MessagesPerRoom is how many newest messages per room are kept.
	MessagesPerRoom int
	// MaxRooms bounds how many rooms keep cached messages; the least
	// recently used room is dropped first. Memory is therefore bounded by
	// about MaxRooms × MessagesPerRoom messages (plus the room list itself,
	// which is as long as the database's).
	MaxRooms int
	// Now tells the time; tests replace it.
	Now func() time.Time
}

// Cache is a bounded in-process chat.Cache. It implements the same
// additive-set semantics as the Redis cache (see chat.Cache).
type Cache struct {
	cfg CacheConfig

	mu            sync.Mutex
	rooms         map[string]chat.Room
	roomsComplete time.Time // the room list is complete until then

	lru    *list.List               // of *roomMessages, most recently used first
	byRoom map[string]*list.Element // room id → element of lru
}

// roomMessages is one room's cached run: msgs sorted by seq, unique seqs.
// lo > 0 means every message with seq >= lo up to the newest written one is
// in msgs, unless a concurrent write is still in flight; readers check for
// gaps. lo == 0 means nothing is known to be complete.
type roomMessages struct {
	id   string
	lo   int64
	msgs []chat.Message
}

var _ chat.Cache = (*Cache)(nil)

// NewCache returns an empty cache.
func NewCache(cfg CacheConfig) *Cache {
	if cfg.RoomsTTL <= 0 {
		cfg.RoomsTTL = DefaultRoomsTTL
	}
	if cfg.MessagesPerRoom <= 0 {
		cfg.MessagesPerRoom = DefaultMessagesPerRoom
	}
	if cfg.MaxRooms <= 0 {
		cfg.MaxRooms = DefaultMaxRooms
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Cache{cfg: cfg, rooms: map[string]chat.Room{}, lru: list.New(), byRoom: map[string]*list.Element{}}
}

// Stats reports how many rooms hold cached messages and how many messages
// they hold in total; both are bounded by the configuration.
func (c *Cache) Stats() (rooms, messages int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for e := c.lru.Front(); e != nil; e = e.Next() {
		messages += len(e.Value.(*roomMessages).msgs)
	}
	return c.lru.Len(), messages
}

// Rooms implements chat.Cache.
func (c *Cache) Rooms(_ context.Context) ([]chat.Room, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.cfg.Now().Before(c.roomsComplete) {
		return nil, false, nil
	}
	rooms := make([]chat.Room, 0, len(c.rooms))
	for _, r := range c.rooms {
		rooms = append(rooms, r)
	}
	chat.SortRooms(rooms)
	return rooms, true, nil
}

// FillRooms implements chat.Cache.
func (c *Cache) FillRooms(_ context.Context, rooms []chat.Room) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range rooms {
		c.rooms[r.ID] = r
	}
	c.roomsComplete = c.cfg.Now().Add(c.cfg.RoomsTTL)
	return nil
}

// AddRoom implements chat.Cache.
func (c *Cache) AddRoom(_ context.Context, r chat.Room) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rooms[r.ID] = r
	return nil
}

// InvalidateRooms implements chat.Cache.
func (c *Cache) InvalidateRooms(_ context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.rooms)
	c.roomsComplete = time.Time{}
	return nil
}

// LatestMessages implements chat.Cache.
func (c *Cache) LatestMessages(_ context.Context, roomID string, limit int) ([]chat.Message, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	run, ok := c.run(roomID)
	if !ok || (len(run) < limit && c.room(roomID, false).lo != 1) {
		return nil, false, nil
	}
	return slices.Clone(run[max(0, len(run)-limit):]), true, nil
}

// LatestMessagesJSON implements chat.Cache; this cache holds messages, so
// it encodes them.
func (c *Cache) LatestMessagesJSON(ctx context.Context, roomID string, limit int) ([]json.RawMessage, bool, error) {
	msgs, ok, err := c.LatestMessages(ctx, roomID, limit)
	if !ok || err != nil {
		return nil, ok, err
	}
	return chat.EncodeMessages(msgs), true, nil
}

// MessagesAfter implements chat.Cache.
func (c *Cache) MessagesAfter(_ context.Context, roomID string, after int64) ([]chat.Message, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	run, ok := c.run(roomID)
	if !ok || after < c.room(roomID, false).lo-1 {
		return nil, false, nil
	}
	i, _ := slices.BinarySearchFunc(run, after+1, bySeq)
	return slices.Clone(run[i:]), true, nil
}

// run returns the room's messages from lo on when they are provably
// complete: lo is known and the seqs from lo to the newest have no gap.
func (c *Cache) run(roomID string) ([]chat.Message, bool) {
	rm := c.room(roomID, false)
	if rm == nil || rm.lo == 0 {
		return nil, false
	}
	i, _ := slices.BinarySearchFunc(rm.msgs, rm.lo, bySeq)
	run := rm.msgs[i:]
	if len(run) > 0 && run[len(run)-1].Seq-rm.lo+1 != int64(len(run)) {
		return nil, false
	}
	return run, true
}

// FillMessages implements chat.Cache.
func (c *Cache) FillMessages(_ context.Context, roomID string, msgs []chat.Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	rm := c.room(roomID, true)
	for _, m := range msgs {
		rm.insert(m)
	}
	fillLo, fillMax := int64(1), int64(0)
	if len(msgs) > 0 {
		fillLo, fillMax = msgs[0].Seq, msgs[len(msgs)-1].Seq
	}
	// A fill proves its own run. It may lower a known lo only when its run
	// reaches up to it; a stale fill (read before newer messages trimmed
	// older ones away) must not claim the trimmed gap is complete.
	if rm.lo == 0 || (fillLo < rm.lo && fillMax >= rm.lo-1) {
		rm.lo = fillLo
	}
	rm.trim(c.cfg.MessagesPerRoom)
	return nil
}

// AddMessage implements chat.Cache.
func (c *Cache) AddMessage(_ context.Context, m chat.Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	rm := c.room(m.RoomID, true)
	rm.insert(m)
	rm.trim(c.cfg.MessagesPerRoom)
	return nil
}

// InvalidateMessages implements chat.Cache.
func (c *Cache) InvalidateMessages(_ context.Context, roomID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byRoom[roomID]; ok {
		c.lru.Remove(e)
		delete(c.byRoom, roomID)
	}
	return nil
}

// room returns a room's entry and marks it used; create adds a missing one,
// evicting the least recently used room beyond MaxRooms.
func (c *Cache) room(roomID string, create bool) *roomMessages {
	if e, ok := c.byRoom[roomID]; ok {
		c.lru.MoveToFront(e)
		return e.Value.(*roomMessages)
	}
	if !create {
		return nil
	}
	rm := &roomMessages{id: roomID}
	c.byRoom[roomID] = c.lru.PushFront(rm)
	for c.lru.Len() > c.cfg.MaxRooms {
		old := c.lru.Back()
		c.lru.Remove(old)
		delete(c.byRoom, old.Value.(*roomMessages).id)
	}
	return rm
}

// insert adds m by seq; a seq already present is replaced only by a
// newer form (a higher change number), so a repeated write is idempotent
// and concurrent writes of an edited message leave its newest form.
func (rm *roomMessages) insert(m chat.Message) {
	i, found := slices.BinarySearchFunc(rm.msgs, m.Seq, bySeq)
	switch {
	case !found:
		rm.msgs = slices.Insert(rm.msgs, i, m)
	case rm.msgs[i].Change < m.Change:
		rm.msgs[i] = m
	}
}

// trim keeps the newest n messages and raises lo past what it dropped.
func (rm *roomMessages) trim(n int) {
	if len(rm.msgs) <= n {
		return
	}
	k := len(rm.msgs) - n
	copy(rm.msgs, rm.msgs[k:])
	clear(rm.msgs[n:]) // let the dropped ones be collected
	rm.msgs = rm.msgs[:n]
	if rm.lo != 0 && rm.msgs[0].Seq > rm.lo {
		rm.lo = rm.msgs[0].Seq
	}
}

func bySeq(m chat.Message, seq int64) int { return cmp.Compare(m.Seq, seq) }

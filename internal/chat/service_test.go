package chat_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/memory"
	"github.com/open-chat/openchat/internal/password"
	"github.com/open-chat/openchat/internal/sqlite"
)

// flakyCache is the in-process cache with writes that can be made to fail,
// standing in for a Redis that times out.
type flakyCache struct {
	chat.Cache
	failWrites atomic.Bool
}

var errDown = errors.New("cache down")

func (c *flakyCache) AddMessage(ctx context.Context, m chat.Message) error {
	if c.failWrites.Load() {
		return errDown
	}
	return c.Cache.AddMessage(ctx, m)
}

func (c *flakyCache) InvalidateMessages(ctx context.Context, roomID string) error {
	if c.failWrites.Load() {
		return errDown
	}
	return c.Cache.InvalidateMessages(ctx, roomID)
}

// counting counts cache outcomes.
type counting struct {
	chat.NopMetrics
	mu   sync.Mutex
	seen map[string]int
}

func (c *counting) Cache(useCase, outcome string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen[useCase+"/"+outcome]++
}

func (c *counting) get(k string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seen[k]
}

type env struct {
	svc     *chat.Service
	store   chat.Store
	cache   *flakyCache
	metrics *counting
	now     *atomic.Int64 // unix ms
	user    chat.User
	room    chat.Room
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, nil)
}

// newEnvWith is newEnv with the service over wrap(store) when wrap is set.
func newEnvWith(t *testing.T, wrap func(chat.Store) chat.Store) *env {
	t.Helper()
	return newEnvFiles(t, wrap, chat.FilesConfig{})
}

// newEnvFiles is newEnvWith with uploads configured by files.
func newEnvFiles(t *testing.T, wrap func(chat.Store) chat.Store, files chat.FilesConfig, opts ...func(*chat.Deps)) *env {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "t.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var st chat.Store = db
	if wrap != nil {
		st = wrap(db)
	}
	e := &env{store: st, cache: &flakyCache{Cache: memory.NewCache(memory.CacheConfig{RoomsTTL: time.Minute, MessagesPerRoom: 50, MaxRooms: 100})},
		metrics: &counting{seen: map[string]int{}}, now: &atomic.Int64{}}
	e.now.Store(time.Now().UnixMilli())
	ps := memory.NewPubSub()
	t.Cleanup(func() { ps.Close() })
	d := chat.Deps{Store: st, Cache: e.cache, PubSub: ps, Metrics: e.metrics,
		Hasher: password.NewArgon2id(password.Params{Memory: 64, Time: 1, Threads: 1}),
		Now:    func() time.Time { return time.UnixMilli(e.now.Load()) }, Files: files}
	for _, o := range opts {
		o(&d)
	}
	e.svc = chat.NewService(d)
	if err := e.svc.WatchSessions(ctx); err != nil {
		t.Fatal(err)
	}
	if e.user, err = e.svc.SignUp(ctx, chat.SignUpInput{Username: "ada", Email: "ada@example.org", Password: "correct horse"}); err != nil {
		t.Fatal(err)
	}
	if e.room, err = e.svc.CreateRoom(ctx, e.user, "general", "", chat.Public); err != nil {
		t.Fatal(err)
	}
	return e
}

// TestCacheWriteFailureBypassesUntilRepaired: a failed write-through makes
// the room read from the store (never a cache missing the message) until
// RepairCache manages to invalidate it; then the cache serves again.
func TestCacheWriteFailureBypassesUntilRepaired(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	post := func(body string) {
		if _, _, err := e.svc.Post(ctx, e.user, chat.Post{RoomID: e.room.ID, Body: body}); err != nil {
			t.Fatal(err)
		}
	}
	latest := func() []chat.Message {
		p, err := e.svc.Messages(ctx, e.user, e.room.ID, chat.MessageQuery{})
		if err != nil {
			t.Fatal(err)
		}
		return p.Messages
	}
	post("one")
	latest() // fills the cache
	if hits := e.metrics.get("messages/hit"); latest() == nil || e.metrics.get("messages/hit") != hits+1 {
		t.Fatal("second read was not a cache hit")
	}
	e.cache.failWrites.Store(true)
	post("two") // write-through and invalidation both fail
	if m := latest(); len(m) != 2 || m[1].Body != "two" {
		t.Fatalf("after a failed write-through the reader got %d messages", len(m))
	}
	if e.metrics.get("messages/error") == 0 || e.metrics.get("messages/fallback") == 0 {
		t.Fatalf("failure not counted: %v", e.metrics.seen)
	}
	e.cache.failWrites.Store(false)
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { e.svc.RepairCache(rctx, 5*time.Millisecond); close(done) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(2 * time.Second)
	for {
		hits := e.metrics.get("messages/hit")
		m := latest()
		if len(m) != 2 {
			t.Fatalf("got %d messages", len(m))
		}
		if e.metrics.get("messages/hit") > hits {
			break // repaired: served from the cache again, and complete
		}
		if time.Now().After(deadline) {
			t.Fatal("cache never used again after the repair")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestSessionCache: a session is looked up once per SessionCacheTTL; an
// expired entry goes back to the store; sign-out ends it at once.
func TestSessionCache(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	token, _, err := e.svc.SignIn(ctx, "ada", "correct horse", chat.Client{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Authenticate(ctx, token); err != nil {
		t.Fatal(err)
	}
	// Delete the session behind the cache's back: within the TTL the cached
	// answer stands, after it the store is asked again.
	if err := e.store.DeleteSession(ctx, chat.HashToken(token)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Authenticate(ctx, token); err != nil {
		t.Fatalf("within the TTL: %v", err)
	}
	e.now.Add((chat.SessionCacheTTL + time.Second).Milliseconds())
	if _, err := e.svc.Authenticate(ctx, token); chat.ErrorCode(err) != chat.EUNAUTHORIZED {
		t.Fatalf("after the TTL a deleted session still works: %v", err)
	}
	token, _, _ = e.svc.SignIn(ctx, "ada", "correct horse", chat.Client{})
	if _, err := e.svc.Authenticate(ctx, token); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.SignOut(ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Authenticate(ctx, token); chat.ErrorCode(err) != chat.EUNAUTHORIZED {
		t.Fatalf("signed-out session still works: %v", err)
	}
}

// racingStore runs hook once, before the second Messages call after it
// is armed: a post from another instance that commits between two reads.
type racingStore struct {
	chat.Store
	mu    sync.Mutex
	calls int
	hook  func()
}

func (s *racingStore) arm(hook func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls, s.hook = 0, hook
}

func (s *racingStore) Messages(ctx context.Context, roomID string, q chat.MessageQuery) ([]chat.Message, error) {
	s.mu.Lock()
	var h func()
	if s.calls++; s.calls == 2 {
		h, s.hook = s.hook, nil
	}
	s.mu.Unlock()
	if h != nil {
		h()
	}
	return s.Store.Messages(ctx, roomID, q)
}

// TestCatchUp: a reconnecting client gets exactly the messages after its
// after_seq, oldest first, whether the cache or the store answers (the
// store answers while a failed write-through keeps the room off the
// cache), also when a message commits between the service's reads of the
// last seq and of the messages.
func TestCatchUp(t *testing.T) {
	tests := []struct {
		name     string
		store    bool // the room is off the cache
		race     bool // a fourth message commits during the catch-up
		lag      bool // a fourth message committed but not in the cache (its write-through has not landed)
		after    int64
		atLeast  int64
		wantSeqs string
		wantLast int64
	}{
		{"cache, from the start", false, false, false, 0, 0, "[1 2 3]", 3},
		{"cache, after 1", false, false, false, 1, 0, "[2 3]", 3},
		{"cache, up to date", false, false, false, 3, 0, "[]", 3},
		{"store, from the start", true, false, false, 0, 0, "[1 2 3]", 3},
		{"store, after 2", true, false, false, 2, 0, "[3]", 3},
		{"store, up to date", true, false, false, 3, 0, "[]", 3},
		// The oldest messages, not the newest page: the fourth comes live.
		{"store, from the start, racing a post", true, true, false, 0, 0, "[1 2 3]", 3},
		{"store, after 1, racing a post", true, true, false, 1, 0, "[2 3]", 3},
		// A cache short of the head the caller read is not used.
		{"cache lagging, no head", false, false, true, 2, 0, "[3]", 3},
		{"cache lagging, head 4", false, false, true, 2, 4, "[3 4]", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rs *racingStore
			e := newEnvWith(t, func(s chat.Store) chat.Store { rs = &racingStore{Store: s}; return rs })
			ctx := context.Background()
			e.cache.failWrites.Store(tt.store)
			post := func(body string) {
				if _, _, err := e.svc.Post(ctx, e.user, chat.Post{RoomID: e.room.ID, Body: body}); err != nil {
					t.Error(err)
				}
			}
			for _, body := range []string{"one", "two", "three"} {
				post(body)
			}
			if tt.race {
				rs.arm(func() { post("four") })
			}
			if tt.lag { // the cache holds 1…3, then a fourth is appended past the service: no write-through
				if _, err := e.svc.RoomMessages(ctx, e.room.ID, chat.MessageQuery{}); err != nil {
					t.Fatal(err)
				}
				if _, _, err := e.store.AppendMessage(ctx, chat.NewMessage{ID: chat.NewID(), RoomID: e.room.ID, Author: e.user.Ref(), Body: "four"}); err != nil {
					t.Fatal(err)
				}
			}
			msgs, last, truncated, err := e.svc.CatchUp(ctx, e.room.ID, tt.after, tt.atLeast)
			if err != nil {
				t.Fatal(err)
			}
			seqs := []int64{}
			for _, m := range msgs {
				seqs = append(seqs, m.Seq)
			}
			if fmt.Sprint(seqs) != tt.wantSeqs || last != tt.wantLast || truncated {
				t.Errorf("seqs %v last %d truncated %v, want %s last %d", seqs, last, truncated, tt.wantSeqs, tt.wantLast)
			}
		})
	}
}

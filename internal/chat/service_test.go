package chat_test

import (
	"context"
	"errors"
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
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "t.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{store: st, cache: &flakyCache{Cache: memory.NewCache(memory.CacheConfig{RoomsTTL: time.Minute, MessagesPerRoom: 50, MaxRooms: 100})},
		metrics: &counting{seen: map[string]int{}}, now: &atomic.Int64{}}
	e.now.Store(time.Now().UnixMilli())
	ps := memory.NewPubSub()
	t.Cleanup(func() { ps.Close() })
	e.svc = chat.NewService(chat.Deps{Store: st, Cache: e.cache, PubSub: ps, Metrics: e.metrics,
		Hasher: password.NewArgon2id(password.Params{Memory: 64, Time: 1, Threads: 1}),
		Now:    func() time.Time { return time.UnixMilli(e.now.Load()) }})
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
		if _, _, err := e.svc.PostMessage(ctx, e.user, e.room.ID, body, ""); err != nil {
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

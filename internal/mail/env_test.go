package mail

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/memory"
	"github.com/open-chat/openchat/internal/sqlite"
)

// plainHasher keeps tests fast; production uses argon2id.
type plainHasher struct{}

func (plainHasher) Hash(p string) (string, error)    { return "plain:" + p, nil }
func (plainHasher) Verify(h, p string) (bool, error) { return h == "plain:"+p, nil }

// clock is the worker's outbox clock, moved forward instead of sleeping.
type clock struct{ off atomic.Int64 }

func (c *clock) now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *clock) advance(d time.Duration) { c.off.Add(int64(d)) }

// countMetrics counts MailSent outcomes.
type countMetrics struct {
	chat.NopMetrics
	mu sync.Mutex
	n  map[string]int
}

func (m *countMetrics) MailSent(outcome string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.n == nil {
		m.n = map[string]int{}
	}
	m.n[outcome]++
}

func (m *countMetrics) get(outcome string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.n[outcome]
}

// env is a chat server's data side: a real store, the domain service to
// write through, in-process presence, and the worker's clock.
type env struct {
	t        *testing.T
	store    chat.Store
	svc      *chat.Service
	presence chat.Presence
	clock    *clock
	author   chat.User
	room     chat.Room
	metrics  *countMetrics
}

func testLog(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

func sqliteStore(t *testing.T) chat.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "openchat.db"), testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// newEnv signs up an author "ada" and creates room "general".
func newEnv(t *testing.T, store chat.Store) *env {
	t.Helper()
	e := &env{t: t, store: store, clock: &clock{}, metrics: &countMetrics{},
		presence: memory.NewPresence("test-instance", time.Minute, nil)}
	e.svc = chat.NewService(chat.Deps{Store: store, Cache: memory.NewCache(memory.CacheConfig{}),
		PubSub: memory.NewPubSub(), Hasher: plainHasher{}, Log: testLog(t)})
	e.author = e.user("ada", chat.NotifyAlways)
	e.room = e.newRoom("general")
	return e
}

// user stores an account whose address is verified already (no
// verification e-mail pending), as after following the link.
func (e *env) user(name string, pref chat.NotifyPref) chat.User {
	e.t.Helper()
	u := chat.User{ID: chat.NewID(), Username: name, DisplayName: strings.ToUpper(name[:1]) + name[1:], Email: name + "@example.org",
		EmailNotifications: pref, EmailVerified: true, PasswordHash: "plain:x", CreatedAt: chat.NewTime(time.Now())}
	if err := e.store.CreateUser(context.Background(), u); err != nil {
		e.t.Fatal(err)
	}
	return u
}

// signUp creates an account as people do: unverified, with a verification
// e-mail queued.
func (e *env) signUp(name string) chat.User {
	e.t.Helper()
	u, err := e.svc.SignUp(context.Background(), chat.SignUpInput{Username: name, Email: name + "@example.org",
		Password: "purple-otter-canyon", DisplayName: strings.ToUpper(name[:1]) + name[1:]})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

func (e *env) newRoom(name string) chat.Room {
	e.t.Helper()
	r, err := e.svc.CreateRoom(context.Background(), e.author, name, "", chat.Public)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *env) post(room chat.Room, body string) chat.Message {
	e.t.Helper()
	m, _, err := e.svc.Post(context.Background(), e.author, chat.Post{RoomID: room.ID, Body: body})
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

// worker builds a worker on e's store and clock; fast limits unless changed.
func (e *env) worker(t Transport, id string, change func(*Config)) *Worker {
	cfg := Config{InstanceID: id, PublicURL: "http://chat.test:8080", From: "OpenChat <chat@chat.test>",
		Secret: testSecret, Rate: 1000, Burst: 100, Now: e.clock.now}
	if change != nil {
		change(&cfg)
	}
	return NewWorker(cfg, e.store, e.presence, t, e.metrics, testLog(e.t))
}

func (e *env) tick(w *Worker) {
	e.t.Helper()
	if err := w.Tick(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) batches(status chat.BatchStatus) []chat.MailBatch {
	e.t.Helper()
	bs, err := e.store.MailBatches(context.Background(), status, 100)
	if err != nil {
		e.t.Fatal(err)
	}
	return bs
}

func (e *env) smtp(mp *mailpit) Transport {
	e.t.Helper()
	tr, err := NewTransport("smtp://"+mp.SMTPAddr, "", testLog(e.t))
	if err != nil {
		e.t.Fatal(err)
	}
	return tr
}

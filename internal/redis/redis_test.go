package redis

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/chat/chattest"
	"github.com/open-chat/openchat/internal/redis/redistest"
)

func testLog(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// open connects a Client for t and closes it when t ends.
func open(t testing.TB, url string, opts Options) *Client {
	t.Helper()
	c, err := Open(context.Background(), url, opts, testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestCacheConformance(t *testing.T) {
	chattest.TestCache(t, func(t *testing.T) chat.Cache {
		url, prefix := redistest.URL(t)
		// A generous timeout: the suite runs many subtests in parallel on a
		// shared machine; the 50ms default is tested by the fault tests.
		return open(t, url, Options{Prefix: prefix, RoomsTTL: chattest.CacheRoomsTTL,
			MessagesPerRoom: chattest.CacheMessagesPerRoom, Timeout: 2 * time.Second}).Cache()
	})
}

func TestPubSubConformance(t *testing.T) {
	chattest.TestPubSub(t, func(t *testing.T) (chat.PubSub, chat.PubSub) {
		url, prefix := redistest.URL(t)
		a := open(t, url, Options{Prefix: prefix, InstanceID: "a"})
		b := open(t, url, Options{Prefix: prefix, InstanceID: "b"})
		return a.PubSub(), b.PubSub()
	})
}

func TestPresenceConformance(t *testing.T) {
	chattest.TestPresence(t, func(t *testing.T) (chat.Presence, chat.Presence) {
		url, prefix := redistest.URL(t)
		a := open(t, url, Options{Prefix: prefix, InstanceID: "a", PresenceTTL: chattest.PresenceTTL})
		b := open(t, url, Options{Prefix: prefix, InstanceID: "b", PresenceTTL: chattest.PresenceTTL})
		return a.Presence(), b.Presence()
	})
}

func TestOptionsDefaults(t *testing.T) {
	var o Options
	o.defaults()
	want := Options{InstanceID: o.InstanceID, Timeout: 50 * time.Millisecond, CommandTimeout: time.Second,
		RoomsTTL: 10 * time.Second, MessagesPerRoom: 50, MessagesTTL: 24 * time.Hour, PresenceTTL: 30 * time.Second}
	if o != want || o.InstanceID == "" {
		t.Fatalf("defaults = %+v, want %+v", o, want)
	}
}

func TestOpenFails(t *testing.T) {
	for _, url := range []string{"http://nope", "redis://127.0.0.1:1/0"} {
		if c, err := Open(context.Background(), url, Options{CommandTimeout: 500 * time.Millisecond}, nil); err == nil {
			_ = c.Close()
			t.Errorf("Open(%q) succeeded", url)
		}
	}
}

// TestKeyLayout pins the documented key names (docs/cache.md) and their expiries.
func TestKeyLayout(t *testing.T) {
	url, prefix := redistest.URL(t)
	c := open(t, url, Options{Prefix: prefix, InstanceID: "i1", MessagesTTL: time.Hour, RoomsTTL: 5 * time.Second,
		PresenceTTL: 30 * time.Second, Timeout: time.Second})
	ctx := context.Background()
	room := chat.Room{ID: "r1", Name: "general"}
	m := chat.Message{ID: "m1", RoomID: "r1", Seq: 1, Body: "hi"}
	for _, err := range []error{
		c.Cache().FillRooms(ctx, []chat.Room{room}),
		c.Cache().FillMessages(ctx, "r1", nil),
		c.Cache().AddMessage(ctx, m),
		c.Presence().Touch(ctx, []chat.PresenceEntry{{RoomID: "r1", UserID: "u1"}, {UserID: "u1"}}),
		func() error {
			_, err := c.RateLimiter().Allow(ctx, chat.Limit{Name: "posts", Quota: 1, Window: 30 * time.Second}, "u1")
			return err
		}(),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		key, typ string
		ttl      time.Duration
	}{
		{"{rooms}", "hash", time.Hour},
		{"{rooms}:complete", "string", 5 * time.Second},
		{"{msgs:r1}", "zset", time.Hour},
		{"{msgs:r1}:lo", "string", time.Hour},
		{"presence:{r1}", "zset", 30 * time.Second},
		{"presence:{}", "zset", 30 * time.Second},
		{"online:{u1}", "zset", 30 * time.Second},
		{"ratelimit:posts/u1", "string", 30 * time.Second},
	}
	for _, tt := range tests {
		typ, err := c.rdb.Type(ctx, prefix+tt.key).Result()
		if err != nil {
			t.Fatal(err)
		}
		ttl := c.rdb.PTTL(ctx, prefix+tt.key).Val()
		if typ != tt.typ || ttl <= tt.ttl-2*time.Second || ttl > tt.ttl {
			t.Errorf("%s: type %s ttl %v, want %s %v", tt.key, typ, ttl, tt.typ, tt.ttl)
		}
	}
	if got := c.rdb.ZRange(ctx, prefix+"presence:{r1}", 0, -1).Val(); len(got) != 1 || got[0] != "u1|i1" {
		t.Errorf("presence members = %q", got)
	}
}

func TestRateLimiterConformance(t *testing.T) {
	chattest.TestRateLimiter(t, func(t *testing.T) (chat.RateLimiter, chat.RateLimiter) {
		url, prefix := redistest.URL(t)
		// A generous timeout, as for the cache: the suite runs in parallel.
		a := open(t, url, Options{Prefix: prefix, InstanceID: "a", Timeout: 2 * time.Second})
		b := open(t, url, Options{Prefix: prefix, InstanceID: "b", Timeout: 2 * time.Second})
		return a.RateLimiter(), b.RateLimiter()
	})
}

func TestLockerConformance(t *testing.T) {
	const ttl = 2 * time.Second // renewed every third: a loaded machine must not miss two renewals
	chattest.TestLocker(t, func(t *testing.T) (chat.Locker, chat.Locker) {
		url, prefix := redistest.URL(t)
		a := open(t, url, Options{Prefix: prefix, InstanceID: "a", Timeout: 2 * time.Second})
		b := open(t, url, Options{Prefix: prefix, InstanceID: "b", Timeout: 2 * time.Second})
		return a.Locker(ttl), b.Locker(ttl)
	}, 3*ttl)
}

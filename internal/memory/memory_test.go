package memory

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/chat/chattest"
)

func TestCacheConformance(t *testing.T) {
	chattest.TestCache(t, func(t *testing.T) chat.Cache {
		return NewCache(CacheConfig{RoomsTTL: chattest.CacheRoomsTTL, MessagesPerRoom: chattest.CacheMessagesPerRoom})
	})
}

func TestPubSubConformance(t *testing.T) {
	chattest.TestPubSub(t, func(t *testing.T) (chat.PubSub, chat.PubSub) {
		p := NewPubSub()
		t.Cleanup(func() { _ = p.Close() })
		return p, p
	})
}

func TestPresenceConformance(t *testing.T) {
	chattest.TestPresence(t, func(t *testing.T) (chat.Presence, chat.Presence) {
		a := NewPresence("a", chattest.PresenceTTL, nil)
		return a, a.Instance("b")
	})
}

func TestCacheDefaults(t *testing.T) {
	c := NewCache(CacheConfig{})
	if c.cfg.RoomsTTL != 10*time.Second || c.cfg.MessagesPerRoom != 50 || c.cfg.MaxRooms != 10_000 {
		t.Fatalf("defaults = %+v", c.cfg)
	}
}

func TestCacheRoomsTTLWithClock(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	c := NewCache(CacheConfig{RoomsTTL: 10 * time.Second, Now: func() time.Time { return now }})
	ctx := context.Background()
	if err := c.FillRooms(ctx, []chat.Room{{ID: "r1", Name: "a"}}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		at time.Duration
		ok bool
	}{{0, true}, {9999 * time.Millisecond, true}, {10 * time.Second, false}} {
		now = time.Unix(1_700_000_000, 0).Add(tt.at)
		if _, ok, _ := c.Rooms(ctx); ok != tt.ok {
			t.Errorf("at +%v: ok = %v, want %v", tt.at, ok, tt.ok)
		}
	}
}

// TestCacheBound writes three times MaxRooms rooms with twice
// MessagesPerRoom messages each and checks that the cache keeps at most
// MaxRooms × MessagesPerRoom messages, by count and roughly by heap.
func TestCacheBound(t *testing.T) {
	const maxRooms, perRoom, bodyLen = 200, 10, 1000
	ctx := context.Background()
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	before := heap()
	c := NewCache(CacheConfig{MessagesPerRoom: perRoom, MaxRooms: maxRooms})
	for r := range 3 * maxRooms {
		room := fmt.Sprintf("room-%d", r)
		if err := c.FillMessages(ctx, room, nil); err != nil {
			t.Fatal(err)
		}
		for s := range 2 * perRoom {
			m := chat.Message{ID: fmt.Sprint(r, s), RoomID: room, Seq: int64(s + 1), Body: strings.Repeat("x", bodyLen)}
			if err := c.AddMessage(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		if _, ok, _ := c.LatestMessages(ctx, room, perRoom); !ok {
			t.Fatalf("room %d: latest not cached", r)
		}
	}
	rooms, msgs := c.Stats()
	if rooms != maxRooms || msgs != maxRooms*perRoom {
		t.Fatalf("stats = %d rooms, %d messages; want %d, %d", rooms, msgs, maxRooms, maxRooms*perRoom)
	}
	// The oldest rooms were evicted, the newest kept.
	if _, ok, _ := c.LatestMessages(ctx, "room-0", 1); ok {
		t.Error("least recently used room still cached")
	}
	grown := heap() - before
	// Kept: 2,000 messages of ~1.2 kB ≈ 2.4 MB; unbounded would be 14 MB.
	if limit := uint64(maxRooms * perRoom * bodyLen * 2); grown > limit {
		t.Errorf("heap grew by %d bytes, want < %d", grown, limit)
	}
	t.Logf("heap grew by %d bytes for %d cached messages", grown, msgs)
	runtime.KeepAlive(c)
}

func TestPubSubClosed(t *testing.T) {
	p := NewPubSub()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	_ = p.Close()
	if err := p.Publish(context.Background(), "c", nil); err != ErrClosed {
		t.Fatalf("publish after close: %v", err)
	}
}

func TestPresenceClock(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	p := NewPresence("a", time.Minute, func() time.Time { return now })
	ctx := context.Background()
	_ = p.Touch(ctx, []chat.PresenceEntry{{RoomID: "r", UserID: "u"}, {UserID: "u"}})
	now = now.Add(59 * time.Second)
	if on, _ := p.IsOnline(ctx, "u"); !on {
		t.Fatal("offline before the TTL")
	}
	now = now.Add(time.Second)
	if on, _ := p.IsOnline(ctx, "u"); on {
		t.Fatal("online after the TTL")
	}
	if users, _ := p.Online(ctx, []string{"r"}); len(users["r"]) != 0 {
		t.Fatalf("online after the TTL: %v", users)
	}
	if len(p.t.rooms) != 0 || len(p.t.users) != 0 {
		t.Fatalf("expired entries kept: %v %v", p.t.rooms, p.t.users)
	}
}

func TestRateLimiterConformance(t *testing.T) {
	chattest.TestRateLimiter(t, func(t *testing.T) (chat.RateLimiter, chat.RateLimiter) {
		r := NewRateLimiter(0, nil)
		return r, r
	})
}

func TestLockerConformance(t *testing.T) {
	chattest.TestLocker(t, func(t *testing.T) (chat.Locker, chat.Locker) {
		l := NewLocker()
		return l, l
	}, 0)
}

// The in-process PubSub delivers on the publisher's goroutine: when Publish
// returns, every handler of the channel has run.
func TestPubSubDeliversBeforePublishReturns(t *testing.T) {
	p := NewPubSub()
	defer p.Close()
	ctx := context.Background()
	var got []string
	for _, name := range []string{"one", "two"} {
		if _, err := p.Subscribe(ctx, "c", func(b []byte) { got = append(got, name+":"+string(b)) }); err != nil {
			t.Fatal(err)
		}
	}
	for _, payload := range []string{"x", "y"} {
		if err := p.Publish(ctx, "c", []byte(payload)); err != nil {
			t.Fatal(err)
		}
	}
	if want := []string{"one:x", "two:x", "one:y", "two:y"}; !slices.Equal(got, want) {
		t.Fatalf("delivered %q when Publish returned, want %q", got, want)
	}
}

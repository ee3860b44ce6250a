package redis

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/redis/redistest"
)

// faultSlack is what a cache call may take beyond Options.Timeout on a
// loaded machine when Redis is down or paused.
const faultSlack = 150 * time.Millisecond

// eventually retries f until it succeeds or d passes.
func eventually(t *testing.T, d time.Duration, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still failing after %v: %v", what, d, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestRedisRestart(t *testing.T) {
	url, stop, start := redistest.StartServer(t)
	opts := Options{Prefix: "t:", Timeout: DefaultTimeout}
	a, b := open(t, url, opts), open(t, url, opts)
	ctx := context.Background()

	var resyncs atomic.Int32
	b.PubSub().OnResync(func() { resyncs.Add(1) })
	got := make(chan string, 100)
	if _, err := b.PubSub().Subscribe(ctx, "room:1", func(p []byte) { got <- string(p) }); err != nil {
		t.Fatal(err)
	}
	receive := func(want string) {
		t.Helper()
		select {
		case p := <-got:
			if p != want {
				t.Fatalf("received %q, want %q", p, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%q not received", want)
		}
	}
	if err := a.PubSub().Publish(ctx, "room:1", []byte("before")); err != nil {
		t.Fatal(err)
	}
	receive("before")
	if err := a.Cache().FillMessages(ctx, "r", nil); err != nil {
		t.Fatal(err)
	}

	stop()
	for _, call := range []struct {
		name string
		f    func() error
	}{
		{"add message", func() error { return a.Cache().AddMessage(ctx, chat.Message{RoomID: "r", Seq: 1}) }},
		{"latest", func() error { _, _, err := a.Cache().LatestMessages(ctx, "r", 1); return err }},
		{"rooms", func() error { _, _, err := a.Cache().Rooms(ctx); return err }},
	} {
		began := time.Now()
		err := call.f()
		if took := time.Since(began); err == nil || took > DefaultTimeout+faultSlack {
			t.Errorf("%s with Redis down: err %v after %v", call.name, err, took)
		}
	}
	if resyncs.Load() != 0 {
		t.Fatal("resync before Redis came back")
	}

	start()
	eventually(t, 10*time.Second, "resync", func() error {
		if resyncs.Load() == 0 {
			return context.DeadlineExceeded
		}
		return nil
	})
	// The restarted Redis is empty: the cache misses, then works again.
	eventually(t, 5*time.Second, "cache", func() error {
		_, ok, err := a.Cache().LatestMessages(ctx, "r", 1)
		if err == nil && ok {
			t.Fatal("cache answered from an emptied Redis")
		}
		return err
	})
	if err := a.Cache().FillMessages(ctx, "r", []chat.Message{{RoomID: "r", Seq: 1}}); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := a.Cache().LatestMessages(ctx, "r", 1); err != nil || !ok {
		t.Fatalf("cache after restart: ok %v err %v", ok, err)
	}
	eventually(t, 5*time.Second, "publish", func() error { return a.PubSub().Publish(ctx, "room:1", []byte("after")) })
	receive("after")
	if n := resyncs.Load(); n != 1 {
		t.Errorf("%d resyncs, want 1", n)
	}
}

func TestRedisSlow(t *testing.T) {
	url, _, _ := redistest.StartServer(t)
	c := open(t, url, Options{Prefix: "t:"})
	ctx := context.Background()
	if err := c.Cache().FillRooms(ctx, nil); err != nil {
		t.Fatal(err)
	}
	admin := goredis.NewClient(&goredis.Options{Addr: c.rdb.Options().Addr})
	defer admin.Close()
	const pause = 1500 * time.Millisecond
	if err := admin.Do(ctx, "CLIENT", "PAUSE", pause.Milliseconds(), "ALL").Err(); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	_, _, err := c.Cache().Rooms(ctx)
	if took := time.Since(began); err == nil || took > DefaultTimeout+faultSlack {
		t.Fatalf("rooms with Redis paused: err %v after %v", err, took)
	}
	time.Sleep(pause)
	eventually(t, 5*time.Second, "rooms after pause", func() error { _, _, err := c.Cache().Rooms(ctx); return err })
}

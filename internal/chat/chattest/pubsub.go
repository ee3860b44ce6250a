package chattest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// PubSubWait bounds how long TestPubSub waits for a delivery.
const PubSubWait = 5 * time.Second

// TestPubSub runs the chat.PubSub contract. newPair returns two instances
// that share a broker (an in-process implementation may return the same
// instance twice); the suite closes nothing, newPair registers cleanups.
func TestPubSub(t *testing.T, newPair func(t *testing.T) (a, b chat.PubSub)) {
	t.Run("delivers across instances in publish order", func(t *testing.T) {
		t.Parallel()
		a, b := newPair(t)
		ch, rec := psChannel(), newPSRecorder()
		psSubscribe(t, b, ch, rec.add)
		var want []string
		for i := range 100 {
			want = append(want, fmt.Sprint(i))
			psPublish(t, a, ch, fmt.Sprint(i))
		}
		rec.waitFor(t, want)
	})
	t.Run("publisher's own instance receives", func(t *testing.T) {
		t.Parallel()
		a, _ := newPair(t)
		ch, rec := psChannel(), newPSRecorder()
		psSubscribe(t, a, ch, rec.add)
		psPublish(t, a, ch, "self")
		rec.waitFor(t, []string{"self"})
	})
	t.Run("channels are isolated", func(t *testing.T) {
		t.Parallel()
		a, b := newPair(t)
		ch1, ch2 := psChannel(), psChannel()
		rec1, rec2 := newPSRecorder(), newPSRecorder()
		psSubscribe(t, b, ch1, rec1.add)
		psSubscribe(t, b, ch2, rec2.add)
		psPublish(t, a, ch1, "one")
		psPublish(t, a, ch2, "two")
		psPublish(t, a, psChannel(), "nobody")
		rec1.waitFor(t, []string{"one"})
		rec2.waitFor(t, []string{"two"})
	})
	t.Run("unsubscribe stops delivery", func(t *testing.T) {
		t.Parallel()
		a, b := newPair(t)
		ch, sentinel := psChannel(), psChannel()
		rec, done := newPSRecorder(), newPSRecorder()
		unsub := psSubscribe(t, b, ch, rec.add)
		psSubscribe(t, b, sentinel, done.add)
		psPublish(t, a, ch, "before")
		rec.waitFor(t, []string{"before"})
		unsub()
		unsub() // idempotent
		psPublish(t, a, ch, "after")
		psPublish(t, a, sentinel, "done")
		done.waitFor(t, []string{"done"})
		time.Sleep(50 * time.Millisecond)
		rec.waitFor(t, []string{"before"})
	})
	t.Run("two handlers on one channel", func(t *testing.T) {
		t.Parallel()
		a, b := newPair(t)
		ch := psChannel()
		rec1, rec2 := newPSRecorder(), newPSRecorder()
		unsub1 := psSubscribe(t, b, ch, rec1.add)
		psSubscribe(t, b, ch, rec2.add)
		psPublish(t, a, ch, "x")
		rec1.waitFor(t, []string{"x"})
		rec2.waitFor(t, []string{"x"})
		unsub1() // the other handler keeps the upstream subscription
		psPublish(t, a, ch, "y")
		rec2.waitFor(t, []string{"x", "y"})
		rec1.waitFor(t, []string{"x"})
	})
	t.Run("subscribe again after unsubscribe", func(t *testing.T) {
		t.Parallel()
		a, b := newPair(t)
		ch := psChannel()
		rec1, rec2 := newPSRecorder(), newPSRecorder()
		psSubscribe(t, b, ch, rec1.add)()
		psSubscribe(t, b, ch, rec2.add)
		psPublish(t, a, ch, "z")
		rec2.waitFor(t, []string{"z"})
		rec1.waitFor(t, nil)
	})
	t.Run("concurrent publishers each keep their order", func(t *testing.T) {
		t.Parallel()
		a, b := newPair(t)
		ch, rec := psChannel(), newPSRecorder()
		psSubscribe(t, b, ch, rec.add)
		const publishers, each = 4, 50
		var wg sync.WaitGroup
		for w := range publishers {
			p := a
			if w%2 == 1 {
				p = b
			}
			wg.Go(func() {
				for i := range each {
					if err := psTryPublish(p, ch, fmt.Sprintf("%d:%d", w, i)); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		got := rec.waitForCount(t, publishers*each)
		next := make([]int, publishers)
		for _, g := range got {
			var w, i int
			if _, err := fmt.Sscanf(g, "%d:%d", &w, &i); err != nil || w >= publishers {
				t.Fatalf("unexpected payload %q", g)
			}
			if i != next[w] {
				t.Fatalf("publisher %d: got payload %d, want %d (all: %q)", w, i, next[w], got)
			}
			next[w]++
		}
	})
	t.Run("a handler may unsubscribe itself and publish", func(t *testing.T) {
		t.Parallel()
		a, b := newPair(t)
		ch, next := psChannel(), psChannel()
		rec, done := newPSRecorder(), newPSRecorder()
		psSubscribe(t, b, next, done.add)
		var unsub func()
		ready := make(chan struct{})
		unsub = psSubscribe(t, b, ch, func(p []byte) {
			<-ready
			rec.add(p)
			unsub() // as the hub does when a member is removed
			if err := psTryPublish(b, next, "after "+string(p)); err != nil {
				t.Error(err)
			}
		})
		close(ready)
		psPublish(t, a, ch, "first")
		done.waitFor(t, []string{"after first"})
		psPublish(t, a, ch, "second")
		psPublish(t, a, next, "end")
		done.waitFor(t, []string{"after first", "end"})
		rec.waitFor(t, []string{"first"})
	})
}

func psChannel() string { return "chattest:" + chat.NewID() }

func psSubscribe(t *testing.T, p chat.PubSub, ch string, h func([]byte)) func() {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), PubSubWait)
	defer cancel()
	unsub, err := p.Subscribe(ctx, ch, h)
	if err != nil {
		t.Fatalf("subscribe %s: %v", ch, err)
	}
	t.Cleanup(unsub)
	return unsub
}

func psPublish(t *testing.T, p chat.PubSub, ch, payload string) {
	t.Helper()
	if err := psTryPublish(p, ch, payload); err != nil {
		t.Fatal(err)
	}
}

// psTryPublish is psPublish for goroutines other than the test's.
func psTryPublish(p chat.PubSub, ch, payload string) error {
	ctx, cancel := context.WithTimeout(context.Background(), PubSubWait)
	defer cancel()
	if err := p.Publish(ctx, ch, []byte(payload)); err != nil {
		return fmt.Errorf("publish %s: %w", ch, err)
	}
	return nil
}

// psRecorder collects payloads without blocking the publisher or the
// receiving goroutine; add is safe for concurrent use.
type psRecorder struct {
	mu   sync.Mutex
	got  []string
	kick chan struct{}
}

func newPSRecorder() *psRecorder { return &psRecorder{kick: make(chan struct{}, 1)} }

func (r *psRecorder) add(p []byte) {
	r.mu.Lock()
	r.got = append(r.got, string(p))
	r.mu.Unlock()
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

func (r *psRecorder) snapshot() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// waitFor waits until exactly want was received; more is an immediate failure.
func (r *psRecorder) waitFor(t *testing.T, want []string) {
	t.Helper()
	deadline := time.After(PubSubWait)
	for {
		got := r.snapshot()
		if slices.Equal(got, want) {
			return
		}
		if len(got) > len(want) || !slices.Equal(got, want[:len(got)]) {
			t.Fatalf("received %q, want %q", got, want)
		}
		select {
		case <-r.kick:
		case <-deadline:
			t.Fatalf("timed out: received %q, want %q", got, want)
		}
	}
}

// waitForCount waits until n payloads were received and returns them; more
// is a failure.
func (r *psRecorder) waitForCount(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.After(PubSubWait)
	for {
		got := r.snapshot()
		switch {
		case len(got) == n:
			return got
		case len(got) > n:
			t.Fatalf("received %d payloads, want %d: %q", len(got), n, got)
		}
		select {
		case <-r.kick:
		case <-deadline:
			t.Fatalf("timed out: received %d payloads, want %d", len(got), n)
		}
	}
}

package memory

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// TestRateLimiterForgets: full buckets are forgotten, and the table never
// holds more than its bound however many keys arrive.
func TestRateLimiterForgets(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	r := NewRateLimiter(100, func() time.Time { return now })
	ctx := context.Background()
	l := chat.Limit{Name: "x", Quota: 2, Window: 10 * time.Second}
	for i := range 50 {
		if d, _ := r.Allow(ctx, l, fmt.Sprint(i)); !d.Allowed {
			t.Fatalf("key %d refused", i)
		}
	}
	if n := r.Len(); n != 50 {
		t.Fatalf("tracking %d keys, want 50", n)
	}
	now = now.Add(rateSweepEvery + time.Second) // every bucket is full again
	if d, _ := r.Allow(ctx, l, "fresh"); !d.Allowed {
		t.Fatal("fresh key refused")
	}
	if n := r.Len(); n != 1 {
		t.Fatalf("after the sweep tracking %d keys, want 1", n)
	}
	for i := range 1000 {
		now = now.Add(time.Millisecond)
		r.Allow(ctx, l, fmt.Sprint("flood-", i))
		if n := r.Len(); n > 100 {
			t.Fatalf("tracking %d keys, bound 100", n)
		}
	}
	// The newest keys (furthest from full) survive an eviction.
	if d, _ := r.Allow(ctx, chat.Limit{Name: "x", Quota: 1, Window: time.Hour}, "flood-999"); d.Allowed {
		t.Fatal("the newest key was forgotten")
	}
}

func TestRateLimiterClock(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	r := NewRateLimiter(0, func() time.Time { return now })
	ctx := context.Background()
	l := chat.Limit{Name: "x", Quota: 3, Window: 3 * time.Second}
	steps := []struct {
		advance time.Duration
		allowed bool
		retry   time.Duration
	}{
		{0, true, 0}, {0, true, 0}, {0, true, 0},
		{0, false, time.Second},
		{400 * time.Millisecond, false, 600 * time.Millisecond},
		{600 * time.Millisecond, true, 0},
		{0, false, time.Second},
		{10 * time.Second, true, 0},
	}
	for i, s := range steps {
		now = now.Add(s.advance)
		d, err := r.Allow(ctx, l, "k")
		if err != nil || d.Allowed != s.allowed || d.RetryAfter != s.retry {
			t.Fatalf("step %d: %+v, %v; want allowed=%v retry %v", i, d, err, s.allowed, s.retry)
		}
	}
}

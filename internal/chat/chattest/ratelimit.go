package chattest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// TestRateLimiter runs the chat.RateLimiter contract with the real clock.
// newPair returns two limiters sharing empty counts: two instances of one
// deployment (an in-process limiter returns itself twice).
//
// Windows are long enough that a loaded machine cannot refill a bucket
// between two calls that expect it empty, except in the refill case, which
// waits for the RetryAfter it was given.
func TestRateLimiter(t *testing.T, newPair func(t *testing.T) (a, b chat.RateLimiter)) {
	newLimiter := func(t *testing.T) chat.RateLimiter { a, _ := newPair(t); return a }
	ctx := context.Background()
	hour := func(name string, quota int) chat.Limit {
		return chat.Limit{Name: name, Quota: quota, Window: time.Hour}
	}

	t.Run("quota then refusals", func(t *testing.T) {
		t.Parallel()
		tests := []struct {
			limit chat.Limit
			calls int
		}{
			{hour("a", 1), 3},
			{hour("b", 3), 5},
			{chat.Limit{Name: "c", Quota: 40, Window: time.Minute}, 42},
		}
		rl := newLimiter(t)
		for _, tc := range tests {
			t.Run(tc.limit.Name, func(t *testing.T) {
				for i := range tc.calls {
					d, err := rl.Allow(ctx, tc.limit, "k")
					if err != nil {
						t.Fatal(err)
					}
					if i < tc.limit.Quota {
						want := tc.limit.Quota - i - 1
						if !d.Allowed || d.Remaining != want || d.RetryAfter != 0 {
							t.Fatalf("call %d = %+v, want allowed with %d remaining", i, d, want)
						}
						if full := time.Duration(i+1) * tc.limit.Interval(); d.Reset <= 0 || d.Reset > full {
							t.Fatalf("call %d: reset %v, want (0, %v]", i, d.Reset, full)
						}
						continue
					}
					if d.Allowed || d.Remaining != 0 || d.RetryAfter <= 0 || d.RetryAfter > tc.limit.Interval() {
						t.Fatalf("call %d = %+v, want refused with 0 < retry after <= %v", i, d, tc.limit.Interval())
					}
					if d.Reset < tc.limit.Window-tc.limit.Interval() || d.Reset > tc.limit.Window {
						t.Fatalf("call %d: reset %v, want about %v", i, d.Reset, tc.limit.Window)
					}
				}
			})
		}
	})

	t.Run("names and keys are separate budgets", func(t *testing.T) {
		t.Parallel()
		rl := newLimiter(t)
		for _, c := range []struct{ name, key string }{{"x", "k1"}, {"x", "k2"}, {"y", "k1"}, {"x", "k1:y"}, {"x:k1", "y"}} {
			if d, err := rl.Allow(ctx, hour(c.name, 1), c.key); err != nil || !d.Allowed {
				t.Fatalf("first %s/%s = %+v, %v", c.name, c.key, d, err)
			}
		}
		if d, _ := rl.Allow(ctx, hour("x", 1), "k1"); d.Allowed {
			t.Fatal("second x/k1 allowed")
		}
	})

	t.Run("instances share budgets", func(t *testing.T) {
		t.Parallel()
		a, b := newPair(t)
		l := hour("shared", 2)
		for i, rl := range []chat.RateLimiter{a, b, a, b} {
			d, err := rl.Allow(ctx, l, "k")
			if err != nil || d.Allowed != (i < 2) {
				t.Fatalf("call %d = %+v, %v", i, d, err)
			}
		}
	})

	t.Run("refill after retry-after", func(t *testing.T) {
		t.Parallel()
		rl := newLimiter(t)
		l := chat.Limit{Name: "refill", Quota: 2, Window: 2 * time.Second}
		var last chat.RateDecision
		for range 3 {
			d, err := rl.Allow(ctx, l, "k")
			if err != nil {
				t.Fatal(err)
			}
			last = d
		}
		if last.Allowed {
			t.Skip("the machine took longer than a refill interval between calls")
		}
		time.Sleep(last.RetryAfter + 50*time.Millisecond)
		if d, err := rl.Allow(ctx, l, "k"); err != nil || !d.Allowed || d.Remaining != 0 {
			t.Fatalf("after %v: %+v, %v; want allowed with 0 remaining", last.RetryAfter, d, err)
		}
	})

	t.Run("refusal takes nothing", func(t *testing.T) {
		t.Parallel()
		rl := newLimiter(t)
		l := chat.Limit{Name: "norefund", Quota: 1, Window: 2 * time.Second}
		if d, _ := rl.Allow(ctx, l, "k"); !d.Allowed {
			t.Fatal("first refused")
		}
		var first chat.RateDecision
		for i := range 20 { // refused calls must not push the next allowed one further out
			d, err := rl.Allow(ctx, l, "k")
			if err != nil {
				t.Fatal(err)
			}
			if d.Allowed {
				t.Skip("the machine took longer than a refill interval between calls")
			}
			if i == 0 {
				first = d
			} else if d.RetryAfter > first.RetryAfter {
				t.Fatalf("retry after grew from %v to %v", first.RetryAfter, d.RetryAfter)
			}
		}
	})

	t.Run("concurrent callers get exactly the quota", func(t *testing.T) {
		t.Parallel()
		a, b := newPair(t)
		l := hour("concurrent", 25)
		var allowed atomic.Int64
		var wg sync.WaitGroup
		errs := make(chan error, 100)
		for i := range 100 {
			rl := a
			if i%2 == 1 {
				rl = b
			}
			wg.Go(func() {
				d, err := rl.Allow(ctx, l, "k")
				if err != nil {
					errs <- err
					return
				}
				if d.Allowed {
					allowed.Add(1)
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if n := allowed.Load(); n != int64(l.Quota) {
			t.Fatalf("allowed %d of 100, want %d", n, l.Quota)
		}
	})

	t.Run("many keys", func(t *testing.T) {
		t.Parallel()
		rl := newLimiter(t)
		l := hour("many", 1)
		for i := range 200 {
			if d, err := rl.Allow(ctx, l, fmt.Sprintf("key-%d", i)); err != nil || !d.Allowed {
				t.Fatalf("key %d = %+v, %v", i, d, err)
			}
		}
	})

	t.Run("context canceled", func(t *testing.T) {
		t.Parallel()
		rl := newLimiter(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		// An in-process limiter may answer anyway; a remote one must not hang.
		done := make(chan struct{})
		go func() { _, _ = rl.Allow(cctx, hour("canceled", 1), "k"); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("Allow ignored a canceled context")
		}
	})
}

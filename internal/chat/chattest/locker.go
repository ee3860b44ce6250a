package chattest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// TestLocker runs the chat.Locker contract. newPair returns two lockers of
// one deployment (two instances; an in-process locker returns itself
// twice). hold is how long a lock must outlast while held: longer than an
// expiring implementation's lease, so its renewal is tested (0: none).
func TestLocker(t *testing.T, newPair func(t *testing.T) (a, b chat.Locker), hold time.Duration) {
	ctx := context.Background()
	try := func(t *testing.T, l chat.Locker, name string, want bool) func(context.Context) error {
		t.Helper()
		release, held, err := l.TryLock(ctx, name)
		if err != nil || held != want {
			t.Fatalf("TryLock(%s) = held %v, %v; want %v", name, held, err, want)
		}
		return release
	}

	t.Run("one holder at a time", func(t *testing.T) {
		a, b := newPair(t)
		release := try(t, a, "job", true)
		try(t, b, "job", false)
		try(t, a, "job", false) // not reentrant: a second run on the same instance waits too
		other := try(t, b, "other", true)
		if err := release(ctx); err != nil {
			t.Fatalf("release: %v", err)
		}
		if err := release(ctx); err != nil {
			t.Fatalf("second release: %v", err)
		}
		again := try(t, b, "job", true)
		try(t, a, "job", false)
		for _, r := range []func(context.Context) error{again, other} {
			if err := r(ctx); err != nil {
				t.Fatal(err)
			}
		}
	})

	if hold > 0 { // only expiring locks need renewing
		t.Run("held while it lasts", func(t *testing.T) {
			a, b := newPair(t)
			release := try(t, a, "long", true)
			time.Sleep(hold)
			try(t, b, "long", false)
			if err := release(ctx); err != nil {
				t.Fatal(err)
			}
			try(t, b, "long", true)
		})
	}

	t.Run("concurrent takers", func(t *testing.T) {
		a, b := newPair(t)
		var held atomic.Int32
		var wg sync.WaitGroup
		var mu sync.Mutex
		var releases []func(context.Context) error
		for i := range 8 {
			l := a
			if i%2 == 1 {
				l = b
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				release, ok, err := l.TryLock(ctx, "race")
				if err != nil {
					t.Errorf("TryLock: %v", err)
				}
				if ok {
					held.Add(1)
					mu.Lock()
					releases = append(releases, release)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if n := held.Load(); n != 1 {
			t.Fatalf("%d of 8 concurrent takers hold the lock, want 1", n)
		}
		for _, r := range releases {
			if err := r(ctx); err != nil {
				t.Fatal(err)
			}
		}
	})
}

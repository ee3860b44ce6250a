package groupcommit

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// TestGroups: concurrent calls share commits, each caller gets its own
// answer, a key's items keep call order, and the group bound holds.
func TestGroups(t *testing.T) {
	var mu sync.Mutex
	var sizes []int
	order := map[string][]int{}
	gate := make(chan struct{})
	c := New(Options{Queues: 2, MaxGroup: 8}, func(in [2]int) string { return string(rune('a' + in[0])) },
		func(_ context.Context, g [][2]int) []int {
			<-gate // hold the first commit so the queues fill up
			mu.Lock()
			defer mu.Unlock()
			sizes = append(sizes, len(g))
			out := make([]int, len(g))
			for i, in := range g {
				k := string(rune('a' + in[0]))
				order[k] = append(order[k], in[1])
				out[i] = in[0]*1000 + in[1]
			}
			return out
		})
	defer c.Close()
	observed := 0 // items counted by Observe: every committed one
	c.Observe(func(g Group) { mu.Lock(); observed += len(g.Waits); mu.Unlock() })
	var wg sync.WaitGroup
	for key := range 3 {
		wg.Go(func() {
			for i := range 20 {
				out, err := c.Do(context.Background(), [2]int{key, i})
				if err != nil || out != key*1000+i {
					t.Errorf("Do(%d,%d) = %d, %v", key, i, out, err)
				}
			}
		})
	}
	time.Sleep(50 * time.Millisecond)
	close(gate)
	wg.Wait()
	for _, n := range sizes {
		if n < 1 || n > 8 {
			t.Fatalf("group of %d, bound 8", n)
		}
	}
	for k, seq := range order {
		for i, v := range seq {
			if v != i {
				t.Fatalf("key %s committed out of call order: %v", k, seq)
			}
		}
	}
	if observed != 60 {
		t.Fatalf("Observe saw %d items, want 60", observed)
	}
}

// TestObserveTimes: Observe tells the time an item queued behind the
// commit before it (Wait) from the commit's own time (Took). The first
// commit is held for hold while a second caller queues; only lower bounds
// are checked, which a slow machine cannot break.
func TestObserveTimes(t *testing.T) {
	const hold = 30 * time.Millisecond
	gate := make(chan struct{})
	first := true
	c := New(Options{}, nil, func(_ context.Context, g []int) []int {
		if first {
			first = false
			<-gate
		}
		return g
	})
	defer c.Close()
	var mu sync.Mutex
	var seen []Group
	c.Observe(func(g Group) { mu.Lock(); seen = append(seen, g); mu.Unlock() })
	var wg sync.WaitGroup
	wg.Go(func() { _, _ = c.Do(context.Background(), 1) })
	queued := func(n int) bool { // n items wait while a group commits
		q := c.queues[0]
		q.mu.Lock()
		defer q.mu.Unlock()
		return q.leading && len(q.pending) == n
	}
	for !queued(0) { // the first group has formed
		time.Sleep(time.Millisecond)
	}
	wg.Go(func() { _, _ = c.Do(context.Background(), 2) })
	for !queued(1) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(hold)
	close(gate)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 || len(seen[0].Waits) != 1 || len(seen[1].Waits) != 1 {
		t.Fatalf("observed %+v, want two groups of one", seen)
	}
	if seen[0].Took < hold {
		t.Errorf("the held commit took %v, want at least %v", seen[0].Took, hold)
	}
	if seen[1].Waits[0] < hold {
		t.Errorf("the item queued behind it waited %v, want at least %v", seen[1].Waits[0], hold)
	}
}

// TestConcurrentGrouping: with many callers some commits carry several.
func TestConcurrentGrouping(t *testing.T) {
	c := New(Options{}, nil, func(_ context.Context, g []int) []int {
		time.Sleep(time.Millisecond)
		return g
	})
	defer c.Close()
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Go(func() {
			if out, err := c.Do(context.Background(), i); err != nil || out != i {
				t.Errorf("Do(%d) = %d, %v", i, out, err)
			}
		})
	}
	wg.Wait()
	if c.Grouped() == 0 {
		t.Fatal("64 concurrent callers never shared a commit")
	}
}

// TestCancelledAndClosed: a caller that gave up before its group formed is
// not committed; calls after Close fail; Close commits what was queued.
func TestCancelledAndClosed(t *testing.T) {
	var mu sync.Mutex
	var committed []int
	block := make(chan struct{})
	c := New(Options{}, nil, func(_ context.Context, g []int) []int {
		if g[0] == 0 {
			<-block
		}
		mu.Lock()
		committed = append(committed, g...)
		mu.Unlock()
		return g
	})
	go c.Do(context.Background(), 0) // occupies the committer
	time.Sleep(20 * time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { _, err := c.Do(ctx, 1); errc <- err }()
	time.Sleep(20 * time.Millisecond)
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Do: %v", err)
	}
	done := make(chan int, 1)
	go func() { v, _ := c.Do(context.Background(), 2); done <- v }()
	time.Sleep(20 * time.Millisecond)
	close(block)
	if v := <-done; v != 2 {
		t.Fatalf("queued call answered %d", v)
	}
	c.Close()
	if _, err := c.Do(context.Background(), 3); !errors.Is(err, ErrClosed) {
		t.Fatalf("Do after Close: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, v := range committed {
		if v == 1 {
			t.Fatal("the cancelled item was committed")
		}
	}
}

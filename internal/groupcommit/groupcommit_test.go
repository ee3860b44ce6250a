package groupcommit

import (
	"context"
	"errors"
	"slices"
	"strings"
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
	c := New(Options{Parallel: 2, MaxGroup: 8}, func(in [2]int) string { return string(rune('a' + in[0])) },
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
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.running == 1 && len(c.pending) == n
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

// TestKeysDoNotWait: an item waits for a commit of its own key, and for
// no other key's longer than Linger (the held commit stands for one stuck
// on a lock); no more than Parallel groups commit at once.
func TestKeysDoNotWait(t *testing.T) {
	const linger = 20 * time.Millisecond
	gates := map[string]chan struct{}{"a": make(chan struct{}), "b": make(chan struct{})}
	started := make(chan string, 8)
	c := New(Options{Parallel: 2, Linger: linger}, func(in string) string { return in[:1] }, func(_ context.Context, g []string) []string {
		started <- g[0]
		if gate, ok := gates[g[0][:1]]; ok {
			<-gate
		}
		return g
	})
	defer c.Close()
	release := map[string]func(){"a": sync.OnceFunc(func() { close(gates["a"]) }), "b": sync.OnceFunc(func() { close(gates["b"]) })}
	defer release["a"]() // before Close, which waits for the held commits, if the test fails early
	defer release["b"]()
	done := make(chan string, 8)
	do := func(in string) {
		out, err := c.Do(context.Background(), in)
		if err != nil || out != in {
			t.Errorf("Do(%q) = %q, %v", in, out, err)
		}
		done <- in
	}
	go do("a1")
	if got := recv(t, started); got != "a1" {
		t.Fatalf("first commit %q", got)
	}
	go do("a2") // waits for a1: same key
	waitQueued(t, c, 1)
	t0 := time.Now()
	go do("c1") // queues behind a2 for a1's commit to end, then lingers no more
	if got := recv(t, done); got != "c1" {
		t.Fatalf("%q answered while a1's commit is held, want c1", got)
	}
	if waited := time.Since(t0); waited < linger {
		t.Errorf("c1 committed after %v, before Linger %v: it should have waited for a1's commit to end", waited, linger)
	}
	recv(t, started) // c1's
	go do("b1")      // takes the second slot (after Linger) and holds it
	if got := recv(t, started); got != "b1" {
		t.Fatalf("commit %q started, want b1", got)
	}
	go do("d1") // both slots are busy: waits, Linger or not
	select {
	case got := <-started:
		t.Fatalf("commit %q started while two commits are held, Parallel 2", got)
	case <-time.After(50*time.Millisecond + linger):
	}
	release["b"]() // frees a slot: d1 commits, a2 still waits for a1
	if got := recv(t, started); got != "d1" {
		t.Fatalf("commit %q started when b1's ended, want d1", got)
	}
	answered := map[string]bool{recv(t, done): true, recv(t, done): true} // b1's and d1's callers answer in either order
	if !answered["b1"] || !answered["d1"] {
		t.Fatalf("answered %v, want b1 and d1", answered)
	}
	release["a"]()
	if got := recv(t, started); got != "a2" {
		t.Fatalf("commit %q started when a1's ended, want a2", got)
	}
	answered = map[string]bool{recv(t, done): true, recv(t, done): true}
	if !answered["a1"] || !answered["a2"] {
		t.Fatalf("answered %v, want a1 and a2", answered)
	}
}

// TestBacklogGroups: behind a backlog, items whose keys are idle wait for
// the commit in flight to end, although a slot is free, and then go out
// with the backlog as one group (what gains ingest); only a lone item
// commits at once.
func TestBacklogGroups(t *testing.T) {
	gate := make(chan struct{})
	groups := make(chan []string, 8)
	c := New(Options{Parallel: 2, Linger: time.Hour}, func(in string) string { return in[:1] }, func(_ context.Context, g []string) []string {
		groups <- g
		if g[0] == "a1" {
			<-gate
		}
		return g
	})
	defer c.Close()
	release := sync.OnceFunc(func() { close(gate) })
	defer release() // before Close, which waits for the held commit, if the test fails early
	var wg sync.WaitGroup
	do := func(in string) {
		wg.Go(func() {
			if out, err := c.Do(context.Background(), in); err != nil || out != in {
				t.Errorf("Do(%q) = %q, %v", in, out, err)
			}
		})
	}
	do("a1")
	if g := recv(t, groups); len(g) != 1 || g[0] != "a1" {
		t.Fatalf("first group %v, want [a1] at once", g)
	}
	do("a2") // its key is busy
	waitQueued(t, c, 1)
	do("b1") // a backlog: waits although a slot is free
	waitQueued(t, c, 2)
	do("c1")
	waitQueued(t, c, 3)
	select {
	case g := <-groups:
		t.Fatalf("group %v committed behind a backlog with a1's commit in flight", g)
	case <-time.After(50 * time.Millisecond):
	}
	release()
	if g := recv(t, groups); !slices.Equal(g, []string{"a2", "b1", "c1"}) {
		t.Fatalf("group after a1's commit %v, want [a2 b1 c1]", g)
	}
	wg.Wait()
}

// TestWholeKeys: a group takes each of its keys with all its queued
// items, or leaves the key whole for another group formed beside it, so
// a backlog larger than MaxGroup goes out as parallel groups of disjoint
// keys, none stranded behind another.
func TestWholeKeys(t *testing.T) {
	gate := make(chan struct{})
	groups := make(chan []string, 8)
	c := New(Options{Parallel: 4, MaxGroup: 4, Linger: time.Hour}, func(in string) string { return in[:1] }, func(_ context.Context, g []string) []string {
		groups <- g
		if g[0] == "a1" {
			<-gate
		}
		return g
	})
	defer c.Close()
	var wg sync.WaitGroup
	defer wg.Wait()
	release := sync.OnceFunc(func() { close(gate) })
	defer release() // before the waits, which need the held commit to end, if the test fails early
	do := func(in string) {
		wg.Go(func() {
			if out, err := c.Do(context.Background(), in); err != nil || out != in {
				t.Errorf("Do(%q) = %q, %v", in, out, err)
			}
		})
	}
	do("a1")
	recv(t, groups)
	for i, in := range []string{"a2", "b1", "c1", "b2", "c2", "d1", "b3", "c3", "d2"} {
		do(in) // a2 waits for a1's commit, the others behind it: a backlog
		waitQueued(t, c, i+1)
	}
	release()
	var got []string
	for range 3 {
		got = append(got, strings.Join(recv(t, groups), " "))
	}
	slices.Sort(got)
	if want := []string{"a2 b1 b2 b3", "c1 c2 c3", "d1 d2"}; !slices.Equal(got, want) {
		t.Fatalf("groups after a1's commit %q, want %q", got, want)
	}
}

// TestKeyOverMaxGroup: a key with more queued items than MaxGroup is
// still taken (the first key of a group joins even if it does not fit),
// MaxGroup items at a time and in call order; the rest wait for that
// group, as the key is busy.
func TestKeyOverMaxGroup(t *testing.T) {
	gate := make(chan struct{})
	groups := make(chan []string, 8)
	c := New(Options{Parallel: 2, MaxGroup: 2, Linger: time.Hour}, func(in string) string { return in[:1] }, func(_ context.Context, g []string) []string {
		groups <- g
		if g[0] == "a1" {
			<-gate
		}
		return g
	})
	defer c.Close()
	var wg sync.WaitGroup
	defer wg.Wait()
	release := sync.OnceFunc(func() { close(gate) })
	defer release() // before the waits, which need the held commit to end, if the test fails early
	do := func(in string) {
		wg.Go(func() {
			if out, err := c.Do(context.Background(), in); err != nil || out != in {
				t.Errorf("Do(%q) = %q, %v", in, out, err)
			}
		})
	}
	do("a1")
	recv(t, groups)
	for i, in := range []string{"a2", "a3", "a4"} {
		do(in) // behind a1, same key
		waitQueued(t, c, i+1)
	}
	release()
	for _, want := range []string{"a2 a3", "a4"} {
		if got := strings.Join(recv(t, groups), " "); got != want {
			t.Fatalf("group %q, want %q", got, want)
		}
	}
}

// waitQueued waits until n items are queued in no group.
func waitQueued[In, Out any](t *testing.T, c *Committer[In, Out], n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		c.mu.Lock()
		queued := len(c.pending)
		c.mu.Unlock()
		if queued == n {
			return
		}
	}
	t.Fatalf("%d items never queued", n)
}

// TestKeyExclusion: under many callers over a few keys, a key never has
// two groups committing at once, at most Parallel groups commit, and every
// caller gets its own answer.
func TestKeyExclusion(t *testing.T) {
	const parallel, keys = 3, 5
	var mu sync.Mutex
	inFlight := map[int]int{}
	running, most := 0, 0
	c := New(Options{Parallel: parallel, MaxGroup: 4}, func(in [2]int) string { return string(rune('a' + in[0])) },
		func(_ context.Context, g [][2]int) []int {
			mu.Lock()
			running++
			most = max(most, running)
			seen := map[int]bool{}
			for _, in := range g {
				if !seen[in[0]] {
					seen[in[0]] = true
					inFlight[in[0]]++
					if inFlight[in[0]] > 1 {
						t.Errorf("key %d in two commits at once", in[0])
					}
				}
			}
			mu.Unlock()
			time.Sleep(time.Duration(len(g)) * 100 * time.Microsecond)
			mu.Lock()
			running--
			for k := range seen {
				inFlight[k]--
			}
			mu.Unlock()
			out := make([]int, len(g))
			for i, in := range g {
				out[i] = in[0]*1000 + in[1]
			}
			return out
		})
	var wg sync.WaitGroup
	for w := range 24 {
		wg.Go(func() {
			for i := range 40 {
				k := (w + i) % keys
				if out, err := c.Do(context.Background(), [2]int{k, i}); err != nil || out != k*1000+i {
					t.Errorf("Do(%d,%d) = %d, %v", k, i, out, err)
				}
			}
		})
	}
	wg.Wait()
	c.Close()
	if most > parallel {
		t.Fatalf("%d groups committed at once, Parallel %d", most, parallel)
	}
	if c.Grouped() == 0 {
		t.Fatal("24 callers over 5 keys never shared a commit")
	}
}

// recv receives from ch, failing the test rather than hanging if nothing
// comes (a committer that never hands over).
func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("nothing received in 10 s")
		var zero T
		return zero
	}
}

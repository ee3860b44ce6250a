// Package groupcommit turns many concurrent calls into few transactions.
// Callers hand an item to Do and wait. Each item has a key (a room): a
// key's items commit in call order, one group at a time, and up to Parallel
// groups of different keys commit at once. A caller that finds nothing
// queued, a slot free and its key idle commits its item at once, alone, on
// its own goroutine (never waiting for more). Other callers queue; when a
// commit ends, its caller forms groups of the queued items whose keys are
// idle, while slots are free, and hands each to the first caller in it,
// and so on. Each caller gets its own result. The stores use it for
// message appends, where one commit (one WAL flush) per message would cap
// throughput.
//
// Why queue behind a backlog even with a slot free: the items queued
// while a commit runs then go out together when it ends (one group, or
// several side by side past MaxGroup), rather than each as a small group
// of its own, and a group's statements cost the database less per item
// the more items they carry (under ingest, half as many transactions and
// 7 % less database CPU per message: docs/performance.md). A key is never waited for by other keys for
// long, though: if no commit ends within Linger (the commits in flight are
// stuck, say on a room whose row is locked elsewhere), the queued items
// take the free slots anyway. (With keys hashed to a fixed set of queues
// instead, a room locked elsewhere held up every room sharing its queue
// until the lock went.)
//
// Committing on the caller's goroutine (rather than handing every item to a
// committer goroutine and waiting to be handed the answer back) saves two
// goroutine wake-ups per uncontended call; on a loaded machine each wake-up
// can wait for a free processor, which showed in the fan-out p99. The
// leader hands over after its own group, so a caller commits at most one
// group and under sustained load nobody is kept committing for others.
package groupcommit

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// ErrClosed answers calls made after Close.
var ErrClosed = errors.New("groupcommit: closed")

// Func commits group (never empty) and returns one result per item, in
// order. Per-item failures travel inside Out; ctx bounds the whole group.
type Func[In, Out any] func(ctx context.Context, group []In) []Out

// Options size a Committer.
type Options struct {
	// Parallel is how many groups commit at once (each needs what one
	// commit needs: a database connection). Default 1.
	Parallel int
	// MaxGroup bounds the items committed together. Default 256.
	MaxGroup int
	// Timeout bounds one call of the commit function. Default 10 s.
	Timeout time.Duration
	// Linger bounds how long an item with its key idle and a slot free
	// waits, behind a backlog, for a commit to end and take it into a
	// larger group. Default 5 ms.
	Linger time.Duration
}

// Signals on request.wake.
const (
	sigDone = iota + 1 // out is set: the group holding the item committed
	sigLead            // group is set: commit it
)

type request[In, Out any] struct {
	ctx   context.Context // the caller's: an item whose caller gave up is dropped before it commits
	in    In
	key   string
	at    time.Time           // when Do queued it
	out   Out                 // set by the committing leader before sigDone
	group []*request[In, Out] // the group to commit, set with lead (Committer.mu)
	lead  bool                // designated leader (Committer.mu)
	wake  chan uint8          // buffered: at most one signal per request, so nobody blocks sending it
}

// Committer runs the commits; see the package doc.
type Committer[In, Out any] struct {
	opts   Options
	key    func(In) string
	commit Func[In, Out]

	mu      sync.Mutex
	pending []*request[In, Out] // FIFO of the items in no group yet
	busy    map[string]uint64   // keys with a group formed and not yet committed: the take that formed it
	takes   uint64              // groups formed so far (busy's values)
	running int                 // groups formed and not yet committed, at most opts.Parallel
	closed  bool
	linger  *time.Timer // runs handOver if no commit ends first (lingering)
	// lingering: linger is armed, for an item queued with its key idle and
	// a slot free. It is not re-armed by later items, so a steady stream of
	// them cannot put the deadline off.
	lingering bool

	active  sync.WaitGroup // groups formed and not yet committed
	grouped atomic.Int64
	observe atomic.Pointer[func(Group)] // set by Observe; nil: nobody watches
}

// Group describes one committed group (Observe).
type Group struct {
	Waits []time.Duration // per item committed, how long it queued before the group formed
	Took  time.Duration   // the commit function's call
}

// New makes a Committer. key maps an item to its ordering key (nil: one
// key for all).
func New[In, Out any](opts Options, key func(In) string, commit Func[In, Out]) *Committer[In, Out] {
	if opts.Parallel < 1 {
		opts.Parallel = 1
	}
	if opts.MaxGroup < 1 {
		opts.MaxGroup = 256
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.Linger <= 0 {
		opts.Linger = 5 * time.Millisecond
	}
	c := &Committer[In, Out]{opts: opts, key: key, commit: commit, busy: map[string]uint64{}}
	c.linger = time.AfterFunc(time.Hour, c.lingered)
	c.linger.Stop()
	return c
}

// Do queues in and returns its result once its group has committed; it
// may commit that group (and so other callers' items) itself. It returns
// ctx's error if the caller gives up first (the item may still commit if
// its group had formed) and ErrClosed after Close.
func (c *Committer[In, Out]) Do(ctx context.Context, in In) (Out, error) {
	var zero Out
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	r := &request[In, Out]{ctx: ctx, in: in, at: time.Now(), wake: make(chan uint8, 1)}
	if c.key != nil {
		r.key = c.key(in)
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return zero, ErrClosed
	}
	c.pending = append(c.pending, r)
	if _, busy := c.busy[r.key]; !busy && c.running < c.opts.Parallel {
		if len(c.pending) == 1 { // nothing else waits: commit at once
			group := c.take() // holds r alone
			c.mu.Unlock()
			c.lead(r, group)
			return r.out, nil
		}
		if !c.lingering { // a backlog: wait for a commit to end, but not past Linger
			c.lingering = true
			c.linger.Reset(c.opts.Linger)
		}
	}
	c.mu.Unlock()
	select {
	case sig := <-r.wake:
		if sig == sigLead {
			c.lead(r, r.group)
		}
		return r.out, nil
	case <-ctx.Done():
	}
	c.mu.Lock()
	if r.lead { // designated meanwhile: lead anyway (the item itself is dropped), then hand over
		c.mu.Unlock()
		c.lead(r, r.group)
		return zero, ctx.Err()
	}
	if i := slices.Index(c.pending, r); i >= 0 {
		c.pending = slices.Delete(c.pending, i, i+1)
	}
	c.mu.Unlock()
	return zero, ctx.Err() // if its group had formed, the answer is dropped
}

// take forms a group of the queued items whose keys are idle and marks
// their keys busy; c.mu is held and a slot is free. Keys join in the
// order of their oldest queued item, each with all its queued items (in
// queue order) if they fit in MaxGroup; a key that does not fit waits for
// another group (the first key joins anyway, up to MaxGroup). Cutting keys
// at the bound instead would strand their other items behind this group:
// with 1,000 callers over 100 keys a group of 256 then spanned nearly
// every key, and the next group found almost none idle.
func (c *Committer[In, Out]) take() []*request[In, Out] {
	c.takes++
	var queued map[string]int // items per idle key (none needed for a lone item)
	if len(c.pending) > 1 {
		queued = make(map[string]int)
		for _, r := range c.pending {
			if _, busy := c.busy[r.key]; !busy {
				queued[r.key]++
			}
		}
	}
	var group []*request[In, Out]
	size := 0 // the items of the keys taken so far
	kept := c.pending[:0]
	for _, r := range c.pending {
		t, busy := c.busy[r.key]
		if !busy && (size == 0 || size+queued[r.key] <= c.opts.MaxGroup) {
			c.busy[r.key], t, busy = c.takes, c.takes, true
			size += max(1, queued[r.key])
		}
		if busy && t == c.takes && len(group) < c.opts.MaxGroup {
			group = append(group, r)
		} else {
			kept = append(kept, r)
		}
	}
	clear(c.pending[len(kept):]) // the taken requests are no longer held here
	c.pending = kept
	if len(group) > 0 {
		c.running++
		c.active.Add(1)
	}
	return group
}

// lead commits group, which self is in, frees its keys and its slot, hands
// what has become committable to new leaders, and answers the group's
// callers.
func (c *Committer[In, Out]) lead(self *request[In, Out], group []*request[In, Out]) {
	outs := c.commitGroup(group)

	c.mu.Lock()
	c.running--
	for _, r := range group {
		delete(c.busy, r.key)
	}
	c.handOver()
	if c.lingering { // what lingered has been taken, or waits for a slot or its key
		c.lingering = false
		c.linger.Stop()
	}
	c.mu.Unlock()

	for i, r := range group {
		r.out = outs[i]
		if r != self {
			r.wake <- sigDone
		}
	}
	c.active.Done()
}

// handOver forms groups of the queued items whose keys are idle while
// slots are free, and hands each to the first caller in it; c.mu is held.
func (c *Committer[In, Out]) handOver() {
	for c.running < c.opts.Parallel && len(c.pending) > 0 {
		next := c.take()
		if len(next) == 0 { // every queued key is busy: its commit hands over
			return
		}
		next[0].group, next[0].lead = next, true
		next[0].wake <- sigLead
	}
}

// lingered runs when Linger has passed with no commit ending: the commits
// in flight may be stuck (on a lock held elsewhere), so what waits for
// them takes the free slots.
func (c *Committer[In, Out]) lingered() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lingering { // else a commit ended meanwhile and handed over
		c.lingering = false
		c.handOver()
	}
}

// Close makes later calls fail with ErrClosed and waits for the items
// already queued to commit.
func (c *Committer[In, Out]) Close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.active.Wait()
}

// Observe has f called, on the committing goroutine, with every group
// committed from now on (for metrics; f must be cheap). An item's time in
// its queue against the commit's own time tells a slow database from a
// queue that waits on it.
func (c *Committer[In, Out]) Observe(f func(Group)) { c.observe.Store(&f) }

// Grouped counts commits that carried more than one item (for tests).
func (c *Committer[In, Out]) Grouped() int64 { return c.grouped.Load() }

// commitGroup commits the live items of group and returns one result per
// item of group (the zero Out for the dropped ones).
func (c *Committer[In, Out]) commitGroup(group []*request[In, Out]) []Out {
	outs := make([]Out, len(group))
	live := make([]int, 0, len(group))
	items := make([]In, 0, len(group))
	for i, r := range group {
		if r.ctx.Err() == nil { // a caller that gave up already has its answer
			live = append(live, i)
			items = append(items, r.in)
		}
	}
	if len(live) == 0 {
		return outs
	}
	if len(live) > 1 {
		c.grouped.Add(1)
	}
	// A panic in commit must end the process, as it did when commits ran on
	// a goroutine of their own: recovered by a caller's middleware, it would
	// leave the queue led by nobody and its callers waiting forever.
	defer func() {
		if p := recover(); p != nil {
			go panic(p)
			select {}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.Timeout)
	defer cancel()
	start := time.Now()
	res := c.commit(ctx, items)
	if f := c.observe.Load(); f != nil {
		waits := make([]time.Duration, len(live))
		for j, i := range live {
			waits[j] = start.Sub(group[i].at)
		}
		(*f)(Group{Waits: waits, Took: time.Since(start)})
	}
	for j, i := range live {
		outs[i] = res[j]
	}
	return outs
}

// Package groupcommit turns many concurrent calls into few transactions.
// Callers hand an item to Do and wait. Whoever finds its queue idle commits
// at once, on its own goroutine, everything queued at that moment (never
// waiting for more: a lone item is committed alone, at once); callers that
// arrive meanwhile queue, and when the commit ends the first of them is
// woken to commit everything queued by then, and so on. Each caller gets
// its own result. The stores use it for message appends, where one commit
// (one WAL flush) per message would cap throughput.
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
	"hash/maphash"
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
	// Queues is how many groups commit at once; items with the same shard
	// key always share a queue, so they commit in call order. Default 1.
	Queues int
	// MaxGroup bounds the items committed together. Default 256.
	MaxGroup int
	// Timeout bounds one call of the commit function. Default 10 s.
	Timeout time.Duration
}

// Signals on request.wake.
const (
	sigDone = iota + 1 // out is set: the group holding the item committed
	sigLead            // the item heads its queue: commit the next group
)

type request[In, Out any] struct {
	ctx  context.Context // the caller's: an item whose caller gave up is dropped before it commits
	in   In
	at   time.Time  // when Do queued it
	out  Out        // set by the committing leader before sigDone
	lead bool       // designated leader (queue.mu)
	wake chan uint8 // buffered: at most one signal per request, so nobody blocks sending it
}

// queue is one ordering lane: its items commit in call order, one group
// at a time.
type queue[In, Out any] struct {
	mu      sync.Mutex
	pending []*request[In, Out] // FIFO; non-empty only while leading
	leading bool                // a caller is committing or designated to
	closed  bool
}

// Committer runs the commits; see the package doc.
type Committer[In, Out any] struct {
	opts    Options
	shard   func(In) string
	commit  Func[In, Out]
	queues  []*queue[In, Out]
	seed    maphash.Seed   // picks an item's queue from its shard key
	active  sync.WaitGroup // queues with a leader
	grouped atomic.Int64
	observe atomic.Pointer[func(Group)] // set by Observe; nil: nobody watches
}

// Group describes one committed group (Observe).
type Group struct {
	Waits []time.Duration // per item committed, how long it queued before the group formed
	Took  time.Duration   // the commit function's call
}

// New makes a Committer. shard maps an item to its ordering key (nil: one
// key for all).
func New[In, Out any](opts Options, shard func(In) string, commit Func[In, Out]) *Committer[In, Out] {
	if opts.Queues < 1 {
		opts.Queues = 1
	}
	if opts.MaxGroup < 1 {
		opts.MaxGroup = 256
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	c := &Committer[In, Out]{opts: opts, shard: shard, commit: commit, seed: maphash.MakeSeed()}
	for range opts.Queues {
		c.queues = append(c.queues, &queue[In, Out]{})
	}
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
	q := c.queueOf(in)
	r := &request[In, Out]{ctx: ctx, in: in, at: time.Now(), wake: make(chan uint8, 1)}
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return zero, ErrClosed
	}
	q.pending = append(q.pending, r)
	if !q.leading {
		q.leading, r.lead = true, true
		c.active.Add(1)
		q.mu.Unlock()
		c.lead(q, r)
		return r.out, nil
	}
	q.mu.Unlock()
	select {
	case sig := <-r.wake:
		if sig == sigLead {
			c.lead(q, r)
		}
		return r.out, nil
	case <-ctx.Done():
	}
	q.mu.Lock()
	if r.lead { // designated meanwhile: lead anyway (the item itself is dropped), then hand over
		q.mu.Unlock()
		c.lead(q, r)
		return zero, ctx.Err()
	}
	if i := slices.Index(q.pending, r); i >= 0 {
		q.pending = slices.Delete(q.pending, i, i+1)
	}
	q.mu.Unlock()
	return zero, ctx.Err() // if its group had formed, the answer is dropped
}

// lead commits the next group of q, which self heads, answers its callers
// and hands the lead to the next queued caller, if any.
func (c *Committer[In, Out]) lead(q *queue[In, Out], self *request[In, Out]) {
	q.mu.Lock()
	n := min(len(q.pending), c.opts.MaxGroup)
	group := slices.Clone(q.pending[:n])
	q.pending = slices.Delete(q.pending, 0, n)
	q.mu.Unlock()

	outs := c.commitGroup(group)
	for i, r := range group {
		r.out = outs[i]
		if r != self {
			r.wake <- sigDone
		}
	}

	q.mu.Lock()
	if len(q.pending) > 0 {
		next := q.pending[0]
		next.lead = true
		next.wake <- sigLead
	} else {
		q.leading = false
		c.active.Done()
	}
	q.mu.Unlock()
}

// Close makes later calls fail with ErrClosed and waits for the items
// already queued to commit.
func (c *Committer[In, Out]) Close() {
	for _, q := range c.queues {
		q.mu.Lock()
		q.closed = true
		q.mu.Unlock()
	}
	c.active.Wait()
}

// Observe has f called, on the committing goroutine, with every group
// committed from now on (for metrics; f must be cheap). An item's time in
// its queue against the commit's own time tells a slow database from a
// queue that waits on it.
func (c *Committer[In, Out]) Observe(f func(Group)) { c.observe.Store(&f) }

// Grouped counts commits that carried more than one item (for tests).
func (c *Committer[In, Out]) Grouped() int64 { return c.grouped.Load() }

func (c *Committer[In, Out]) queueOf(in In) *queue[In, Out] {
	if len(c.queues) == 1 || c.shard == nil {
		return c.queues[0]
	}
	return c.queues[maphash.String(c.seed, c.shard(in))%uint64(len(c.queues))]
}

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

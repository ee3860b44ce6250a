// Package groupcommit turns many concurrent calls into few transactions.
// Callers hand an item to Do and wait; a committer goroutine takes
// everything queued at that moment (never waiting for more: a lone item is
// committed alone, at once), hands the group to the store's commit
// function, and answers each caller with its own result. The stores use it
// for message appends, where one commit (one WAL flush) per message would
// cap throughput.
package groupcommit

import (
	"context"
	"errors"
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

type request[In, Out any] struct {
	ctx  context.Context // the caller's: an item whose caller gave up is dropped before it commits
	in   In
	done chan Out // buffered: a committer never blocks on a caller
}

// Committer runs the committers; see the package doc.
type Committer[In, Out any] struct {
	opts    Options
	shard   func(In) string
	commit  Func[In, Out]
	queues  []chan request[In, Out]
	quit    chan struct{}
	stopped chan struct{}
	once    sync.Once
	grouped atomic.Int64
}

// New starts the committers. shard maps an item to its ordering key (nil:
// one key for all).
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
	c := &Committer[In, Out]{opts: opts, shard: shard, commit: commit, quit: make(chan struct{}), stopped: make(chan struct{})}
	var wg sync.WaitGroup
	for range opts.Queues {
		q := make(chan request[In, Out], opts.MaxGroup)
		c.queues = append(c.queues, q)
		wg.Go(func() { c.run(q) })
	}
	go func() { wg.Wait(); close(c.stopped) }()
	return c
}

// Do queues in and returns its result once its group has committed. It
// returns ctx's error if the caller gives up first (the item may still
// commit if its group had formed) and ErrClosed after Close.
func (c *Committer[In, Out]) Do(ctx context.Context, in In) (Out, error) {
	var zero Out
	req := request[In, Out]{ctx: ctx, in: in, done: make(chan Out, 1)}
	select {
	case c.queueOf(in) <- req:
	case <-c.quit:
		return zero, ErrClosed
	case <-ctx.Done():
		return zero, ctx.Err()
	}
	select {
	case out := <-req.done:
		return out, nil
	case <-ctx.Done():
		return zero, ctx.Err()
	case <-c.stopped:
		select {
		case out := <-req.done:
			return out, nil
		default: // queued after the committers' last look
			return zero, ErrClosed
		}
	}
}

// Close commits what is queued, stops the committers and waits for them.
func (c *Committer[In, Out]) Close() {
	c.once.Do(func() { close(c.quit) })
	<-c.stopped
}

// Grouped counts commits that carried more than one item (for tests).
func (c *Committer[In, Out]) Grouped() int64 { return c.grouped.Load() }

func (c *Committer[In, Out]) queueOf(in In) chan request[In, Out] {
	if len(c.queues) == 1 || c.shard == nil {
		return c.queues[0]
	}
	h := uint32(2166136261) // FNV-1a
	for _, b := range []byte(c.shard(in)) {
		h = (h ^ uint32(b)) * 16777619
	}
	return c.queues[h%uint32(len(c.queues))]
}

// run commits the requests of one queue until quit closes; requests queued
// before Close are still committed.
func (c *Committer[In, Out]) run(q chan request[In, Out]) {
	group := make([]request[In, Out], 0, c.opts.MaxGroup)
	for {
		group = group[:0]
		select {
		case r := <-q:
			group = append(group, r)
		case <-c.quit:
			for {
				select {
				case r := <-q:
					c.commitGroup([]request[In, Out]{r})
				default:
					return
				}
			}
		}
	drain:
		for len(group) < c.opts.MaxGroup {
			select {
			case r := <-q:
				group = append(group, r)
			default:
				break drain
			}
		}
		c.commitGroup(group)
	}
}

func (c *Committer[In, Out]) commitGroup(group []request[In, Out]) {
	live := make([]request[In, Out], 0, len(group))
	items := make([]In, 0, len(group))
	for _, r := range group {
		if r.ctx.Err() == nil { // a caller that gave up already has its answer
			live = append(live, r)
			items = append(items, r.in)
		}
	}
	if len(live) == 0 {
		return
	}
	if len(live) > 1 {
		c.grouped.Add(1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.Timeout)
	defer cancel()
	outs := c.commit(ctx, items)
	for i, r := range live {
		r.done <- outs[i]
	}
}

package bench

import (
	"context"
	"math"
	"sync"
	"time"
)

// A storm's clients follow docs/protocol.md's recipe on every close, not
// only on the tool's own drop: a connection the server ends (1008 idle,
// 1013 too slow, 1001 going away) is dialled again with full-jitter
// backoff and resumes where it left off, until the run stops; so does one
// the storm stopped counting at its deadline. Without this, such a
// connection stayed down, and every later message of its room counted as
// lost, which no client that follows the recipe would lose.

// reopens tracks a worker's background redials: of connections the server
// closed, and of those the storm stopped counting at its deadline.
type reopens struct {
	mu     sync.Mutex
	off    bool // the drop or the stop is under way: nothing is redialled
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	sem    chan struct{}
	done   int // connections that came back
}

// reopen redials c in the background if the job resumes after server
// closes (the storm) and reopens are on; false: c stays down.
func (w *Worker) reopen(c *conn) bool { return w.reopenFrom(c, 0) }

// reopenFrom is reopen after n failed attempts (0: none yet): it waits as
// the backoff says after attempt n, then goes on from attempt n+1.
func (w *Worker) reopenFrom(c *conn, n int) bool {
	r := &w.reopens
	r.mu.Lock()
	defer r.mu.Unlock()
	if w.job.Resume == "" || r.off {
		return false
	}
	if r.ctx == nil {
		r.ctx, r.cancel = context.WithCancel(context.Background())
		r.sem = make(chan struct{}, MaxDialsInFlight)
	}
	ctx := r.ctx
	r.wg.Go(func() {
		// The recipe's first wait: a server closing many connections at once
		// (an idle sweep) does not get them back at once either.
		sleep(ctx, retryWait(n))
		cmd := StormCmd{Resume: w.job.Resume, Deadline: math.MaxInt64} // a client never gives up; the stop ends it
		at, _, _, errs := w.reconnect(ctx, c, cmd, time.Now(), r.sem, n+1)
		for _, err := range errs {
			w.errs.add("reopen_"+attemptError(err), err.Error())
		}
		if at < 0 {
			c.dropped.Store(true) // down at the stop
			return
		}
		r.mu.Lock()
		r.done++
		r.mu.Unlock()
	})
	return true
}

// pauseReopens stops redialling and waits for redials under way to end;
// a connection whose redial was cut short is left marked dropped.
func (w *Worker) pauseReopens() {
	r := &w.reopens
	r.mu.Lock()
	r.off = true
	if r.cancel != nil {
		r.cancel()
		r.ctx, r.cancel = nil, nil
	}
	r.mu.Unlock()
	r.wg.Wait()
}

// resumeReopens turns redialling back on after pauseReopens.
func (w *Worker) resumeReopens() {
	w.reopens.mu.Lock()
	w.reopens.off = false
	w.reopens.mu.Unlock()
}

// reopened is how many connections came back through a background redial.
func (w *Worker) reopened() int {
	w.reopens.mu.Lock()
	defer w.reopens.mu.Unlock()
	return w.reopens.done
}

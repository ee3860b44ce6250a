package bench

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/gobwas/ws"

	"github.com/open-chat/openchat/internal/cputime"
)

// ScenarioStorm: --conns subscribers in --rooms rooms while publishers send
// --rate messages/s; after --drop-after the tool drops every connection at
// once (as a load balancer restart does) and each reconnects at a random
// moment of --window, retrying with backoff, and resubscribes from what it
// received (--resume seq or change). The publishers keep sending until
// every connection is back; lost and dup then cover the whole run.
const ScenarioStorm = "storm"

// Reconnect retries of the storm: full jitter, a wait drawn from
// [0, min(StormRetryMax, StormRetryBase × 2^attempt)), as docs/protocol.md
// asks of clients.
const (
	StormRetryBase = time.Second
	StormRetryMax  = 30 * time.Second
)

// StormCmd drops and reconnects a worker's connections.
type StormCmd struct {
	Drop     int64         `json:"drop"`     // unix ns of the drop; times count from it
	Window   time.Duration `json:"window"`   // first attempts spread uniformly over it
	Resume   string        `json:"resume"`   // "seq" or "change"
	Deadline time.Duration `json:"deadline"` // after the drop, stop retrying
}

// StormReport is what a worker saw of the storm.
type StormReport struct {
	Dropped  int              `json:"dropped"` // connections the tool closed
	Resumed  int              `json:"resumed"` // subscribed again
	GaveUp   int              `json:"gave_up"` // still down at the deadline (then redialled in the background)
	Attempts int64            `json:"attempts"`
	At       Hist             `json:"at"`      // resubscribed, ns after the drop
	Latency  Hist             `json:"latency"` // the successful attempt, dial to subscribed, ns
	Errors   map[string]int64 `json:"errors,omitempty"`
	Samples  []string         `json:"samples,omitempty"` // a few failed attempts' errors
	CPU      float64          `json:"cpu_seconds"`
}

// Storm drops every connection at once, without a close handshake, and
// reconnects each: the first attempt at a uniformly random moment of the
// window, retries after full-jitter backoff. It returns when every
// connection is back or past the deadline.
func (w *Worker) Storm(ctx context.Context, cmd StormCmd) StormReport {
	cpu0 := cputime.Process()
	drop := time.Unix(0, cmd.Drop)
	// Redials of server-closed connections end first: the drop takes those
	// connections down too, and brings them back with the rest.
	w.pauseReopens()
	for _, c := range w.conns {
		c.expectEnd.Store(true)
		c.kill()
	}
	for _, c := range w.conns {
		<-c.done
	}
	w.resumeReopens()
	type due struct {
		c  *conn
		at time.Time
	}
	dues := make([]due, len(w.conns))
	for k, c := range w.conns {
		dues[k] = due{c, drop.Add(time.Duration(rand.Int64N(int64(max(cmd.Window, 1)))))}
	}
	slices.SortFunc(dues, func(a, b due) int { return a.at.Compare(b.at) })

	var (
		mu  sync.Mutex
		rep = StormReport{Dropped: len(w.conns), Errors: map[string]int64{}}
		wg  sync.WaitGroup
		sem = make(chan struct{}, MaxDialsInFlight)
	)
	for _, d := range dues {
		if ctx.Err() != nil {
			break
		}
		time.Sleep(time.Until(d.at))
		wg.Go(func() {
			at, lat, attempts, errs := w.reconnect(ctx, d.c, cmd, drop, sem, 0)
			mu.Lock()
			defer mu.Unlock()
			rep.Attempts += attempts
			for _, err := range errs {
				rep.Errors[attemptError(err)]++
				if len(rep.Samples) < maxErrSamples {
					rep.Samples = append(rep.Samples, err.Error())
				}
			}
			if at < 0 {
				// Past the storm's deadline its figures stop counting the
				// connection, but a client never gives up: it goes on
				// redialling in the background, its backoff where it was.
				rep.GaveUp++
				if !w.reopenFrom(d.c, int(attempts)-1) {
					d.c.dropped.Store(true) // down at the stop: its losses are lost_dropped
				}
				return
			}
			rep.Resumed++
			rep.At.Add(at)
			rep.Latency.Add(lat)
		})
	}
	wg.Wait()
	rep.CPU = cputime.Process() - cpu0
	return rep
}

// reconnect brings c back and resubscribes it where it left off. at is
// when it succeeded (ns after drop; -1: it gave up), lat how long the
// successful attempt took.
// n0 is the first attempt's number, for the backoff (0 after a drop).
func (w *Worker) reconnect(ctx context.Context, c *conn, cmd StormCmd, drop time.Time, sem chan struct{}, n0 int) (at, lat, attempts int64, errs []error) {
	for n := n0; ; n++ {
		r := &resume{Key: "after_seq", After: max(c.tracker.base, c.tracker.last)}
		if cmd.Resume == "change" {
			r = &resume{Key: "after_change", After: c.lastChange}
		}
		sem <- struct{}{}
		t0 := time.Now()
		err := w.dial(ctx, c, r)
		<-sem
		attempts++
		if err == nil {
			c.dropped.Store(false) // a redial cut short by the drop had marked it
			now := time.Now()
			return now.Sub(drop).Nanoseconds(), now.Sub(t0).Nanoseconds(), attempts, errs
		}
		errs = append(errs, err)
		wait := retryWait(n)
		if time.Since(drop)+wait > cmd.Deadline || ctx.Err() != nil {
			return -1, 0, attempts, errs
		}
		sleep(ctx, wait)
	}
}

// retryWait is the full-jitter wait after failed attempt n (docs/protocol.md).
func retryWait(n int) time.Duration {
	return time.Duration(rand.Int64N(int64(min(StormRetryMax, StormRetryBase<<min(n, 16)))))
}

// attemptError names a failed reconnect for the counts; a refused
// subscribe carries the server's error code.
func attemptError(err error) string {
	var se ws.StatusError
	var fe *serverError
	var ne net.Error
	switch {
	case errors.As(err, &se):
		return "reconnect_http_" + strconv.Itoa(int(se))
	case errors.As(err, &fe):
		return "reconnect_subscribe_refused_" + fe.code
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		return "reconnect_timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "reconnect_refused"
	default:
		return "reconnect_other"
	}
}

package bench

import (
	"sync/atomic"
	"time"
)

// phaseStart is when the measured phase begins, for the goroutines that
// time what they receive: a message sent before it (a fan-out's warm-up)
// is counted and checked but not timed. The zero value times everything.
type phaseStart struct{ at atomic.Int64 } // Unix ns

func (p *phaseStart) set(t time.Time) { p.at.Store(t.UnixNano()) }

// timed reports whether a message sent at sent (Unix ns) is in the phase.
func (p *phaseStart) timed(sent int64) bool { return sent >= p.at.Load() }

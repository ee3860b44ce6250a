package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// The disk probe (--fsync-dir). Every durable commit, SQLite's or
// PostgreSQL's, waits for a flush of its log to the disk, so a flush that
// stalls holds up every message committed meanwhile, and a delivery or ack
// percentile can be no better than the disk's. The probe writes and flushes
// a block at a steady rate during the measured phase, as a commit does, so
// each run reports the disk it ran on beside its latencies: a tail that
// moves with the disk's is the disk's.
const (
	// fsyncBlock is what one probe writes: a database page (PostgreSQL's
	// WAL page is 8 KiB).
	fsyncBlock = 8 << 10
	// fsyncSpan is the probe file's size: writes go round it, so the file
	// does not grow and each flush writes one block's data.
	fsyncSpan = 16 << 20
	// MaxFsyncRate bounds --fsync-rate: the probe measures the disk, it
	// must not become a load on it.
	MaxFsyncRate = 1000
)

// startFsyncProbe writes and flushes a block in a file of dir, rate times
// a second (Config.Validate bounds it), until stop is called or ctx ends;
// stop returns the flushes' latencies, or nil for an empty dir, which
// probes nothing.
func startFsyncProbe(ctx context.Context, dir string, rate float64) (stop func() (*Percentiles, error), err error) {
	if dir == "" {
		return func() (*Percentiles, error) { return nil, nil }, nil
	}
	f, err := os.CreateTemp(dir, "openchat-bench-fsync-*")
	if err != nil {
		return nil, fmt.Errorf("fsync probe: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	var h Hist
	var runErr error
	go func() {
		defer close(done)
		runErr = probeFsync(ctx, f, time.Duration(float64(time.Second)/rate), &h)
		runErr = errors.Join(runErr, f.Close(), os.Remove(f.Name()))
	}()
	return sync.OnceValues(func() (*Percentiles, error) {
		cancel()
		<-done
		p := percentiles(h)
		return &p, runErr
	}), nil
}

// probeFsync records one latency per flush: a stall longer than every
// counts once (the ticker drops the ticks it covers), so the percentiles
// are of flushes, not of the time spent stalled.
func probeFsync(ctx context.Context, f *os.File, every time.Duration, h *Hist) error {
	block := make([]byte, fsyncBlock)
	tick := time.NewTicker(every)
	defer tick.Stop()
	var off int64
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		t0 := time.Now()
		if _, err := f.WriteAt(block, off); err != nil {
			return fmt.Errorf("fsync probe: %w", err)
		}
		if err := fdatasync(f); err != nil {
			return fmt.Errorf("fsync probe: %w", err)
		}
		h.Add(int64(time.Since(t0)))
		off = (off + fsyncBlock) % fsyncSpan
	}
}

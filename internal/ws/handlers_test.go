package ws

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
)

func (p *handlerPool) parked() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.idle)
}

func TestHandlerPool(t *testing.T) {
	for _, tc := range []struct {
		name       string
		concurrent int // jobs running at once
		wantParked int
	}{
		{"one job parks its handler", 1, 1},
		{"a few stay parked", 10, 10},
		{"a storm keeps idleHandlers", idleHandlers + 50, idleHandlers},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			p := newHandlerPool(ctx)
			release := make(chan struct{})
			var started, ran sync.WaitGroup
			started.Add(tc.concurrent)
			ran.Add(tc.concurrent)
			for range tc.concurrent {
				p.run(func() { started.Done(); <-release; ran.Done() })
			}
			started.Wait() // all at once: none could reuse another's handler
			if got := p.live.Load(); got != int64(tc.concurrent) {
				t.Fatalf("%d jobs ran on %d handlers", tc.concurrent, got)
			}
			close(release)
			ran.Wait()
			waitFor(t, "handlers to park", func() bool { return p.parked() == tc.wantParked })
			waitFor(t, "the extra handlers to end", func() bool { return p.live.Load() == int64(tc.wantParked) })

			// The next job runs on a parked handler: no new goroutine.
			var during int64
			done := make(chan struct{})
			p.run(func() { during = p.live.Load(); close(done) })
			<-done
			if during != int64(tc.wantParked) {
				t.Fatalf("a job after the others ran with %d handlers, want the %d parked ones", during, tc.wantParked)
			}
			waitFor(t, "the handler to park again", func() bool { return p.parked() == tc.wantParked })

			cancel() // parked handlers end with the server
			waitFor(t, "parked handlers to end", func() bool { return p.live.Load() == 0 })
			if n := p.parked(); n != 0 {
				t.Fatalf("%d handlers parked after the end", n)
			}
		})
	}
}

// TestHandlerPoolEndRace runs jobs while the server ends: every job runs,
// whether it reached a parked handler or a new one, and none stays parked.
func TestHandlerPoolEndRace(t *testing.T) {
	for range 50 {
		endRace(t)
	}
}

// endRace is one round of TestHandlerPoolEndRace.
func endRace(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // and halfway through the jobs below
	p := newHandlerPool(ctx)
	var ran atomic.Int64
	var wg sync.WaitGroup
	const jobs = 200
	wg.Add(jobs)
	for i := range jobs {
		if i == jobs/2 {
			cancel()
		}
		p.run(func() { ran.Add(1); wg.Done() })
	}
	wg.Wait()
	if ran.Load() != jobs {
		t.Fatalf("%d of %d jobs ran", ran.Load(), jobs)
	}
	waitFor(t, "handlers to end", func() bool { return p.live.Load() == 0 && p.parked() == 0 })
}

// deep uses about n × 300 bytes of stack, as a post's handling does
// (the service, the store, the fan-out).
//
//go:noinline
func deep(n int) int {
	var pad [256]byte
	pad[n%256] = byte(n)
	if n == 0 {
		return int(pad[0])
	}
	return deep(n-1) + int(pad[n%256])
}

// BenchmarkFrameHandler is the cost of running one frame's handling, 16 KiB
// of stack deep, on a goroutine started for it (the stack grows from its
// smallest size by copying, every time) against a parked handler.
func BenchmarkFrameHandler(b *testing.B) {
	for _, bc := range []struct {
		name string
		run  func(p *handlerPool, f func())
	}{
		{"goroutine per frame", func(_ *handlerPool, f func()) { go f() }},
		{"parked handler", (*handlerPool).run},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			p := newHandlerPool(ctx)
			done := make(chan struct{})
			for b.Loop() {
				bc.run(p, func() { deep(50); done <- struct{}{} })
				<-done
			}
		})
	}
}

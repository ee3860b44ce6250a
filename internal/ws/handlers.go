package ws

import (
	"context"
	"sync"
	"sync/atomic"
)

// idleHandlers is how many frame handlers stay parked between frames. A
// handler's stack grows to what a post needs (the service, the store, the
// fan-out: about 16 KiB) and Go grows a stack by copying it, one doubling
// at a time, rewriting every frame's pointers: a goroutine started per
// frame paid that on every frame (8 % of the server's CPU at 1,000 rooms ×
// 10 subscribers, 1,000 msg/s; docs/performance.md). Parked handlers keep
// their stacks (a GC halves an idle one's at most once per cycle), so a
// frame runs on one already grown. More than this many at once (a
// reconnect storm) run on handlers that end after their frame.
const idleHandlers = 64

// handlerPool runs each frame's handling on a goroutine that is not the
// connection's own, so the stack it grows is never kept by an idle
// connection (thousands of them), only by the few parked handlers. The
// most recently parked handler is reused first: its stack is the warmest.
type handlerPool struct {
	ctx  context.Context // the server's: parked handlers end with it
	live atomic.Int64    // handlers running, parked or not
	mu   sync.Mutex
	idle []*handler
}

type handler struct{ jobs chan func() }

func newHandlerPool(ctx context.Context) *handlerPool {
	return &handlerPool{ctx: ctx, idle: make([]*handler, 0, idleHandlers)}
}

// run runs f on a parked handler, or on a new one if none is parked.
func (p *handlerPool) run(f func()) {
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		h := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		h.jobs <- f // buffered: the handler may still be parking
		return
	}
	p.mu.Unlock()
	h := &handler{jobs: make(chan func(), 1)}
	h.jobs <- f
	p.live.Add(1)
	go p.loop(h)
}

func (p *handlerPool) loop(h *handler) {
	defer p.live.Add(-1)
	for {
		select {
		case f := <-h.jobs:
			f()
			if !p.park(h) {
				return
			}
		case <-p.ctx.Done():
			if p.unpark(h) {
				return
			}
			(<-h.jobs)() // run took h before it could leave: its job is on the way
			return
		}
	}
}

// park adds h to the idle handlers, or reports false if it should end.
func (p *handlerPool) park(h *handler) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.idle) >= idleHandlers || p.ctx.Err() != nil {
		return false
	}
	p.idle = append(p.idle, h)
	return true
}

// unpark removes h from the idle handlers; false if run took it already.
func (p *handlerPool) unpark(h *handler) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, x := range p.idle {
		if x == h {
			p.idle = append(p.idle[:i], p.idle[i+1:]...)
			return true
		}
	}
	return false
}

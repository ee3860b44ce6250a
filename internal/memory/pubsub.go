package memory

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/open-chat/openchat/internal/chat"
)

// PubSubQueue is how many published payloads may wait for the delivery
// goroutine. When it is full, Publish drops the payload and returns
// ErrQueueFull instead of waiting for slow handlers; once the payloads queued
// before the drop are delivered, every OnResync callback runs so subscribers
// reload from the Store what they missed, exactly as after a broker outage.
const PubSubQueue = 10_000

// Errors of PubSub.
var (
	ErrQueueFull = errors.New("memory: pubsub queue full, payload dropped")
	ErrClosed    = errors.New("memory: pubsub closed")
)

// PubSub is a single-instance chat.PubSub. Handlers run on one delivery
// goroutine, in publish order.
type PubSub struct {
	queue    chan delivery
	overflow atomic.Bool
	kick     chan struct{} // wakes the delivery goroutine after an overflow
	done     chan struct{}
	stopped  chan struct{}
	close    sync.Once

	mu       sync.Mutex
	handlers map[string]map[*subscription]struct{}
	resync   []func()
}

type delivery struct {
	channel string
	payload []byte
}

type subscription struct {
	h    func([]byte)
	gone atomic.Bool
}

var _ chat.PubSub = (*PubSub)(nil)

// NewPubSub starts a PubSub and its delivery goroutine; Close stops it.
func NewPubSub() *PubSub { return newPubSub(PubSubQueue) }

func newPubSub(queue int) *PubSub {
	p := &PubSub{
		queue: make(chan delivery, queue), kick: make(chan struct{}, 1),
		done: make(chan struct{}), stopped: make(chan struct{}),
		handlers: map[string]map[*subscription]struct{}{},
	}
	go p.deliver()
	return p
}

// Publish queues payload for the channel's handlers without waiting for
// them; ErrQueueFull when PubSubQueue payloads are already waiting.
func (p *PubSub) Publish(_ context.Context, channel string, payload []byte) error {
	select {
	case <-p.done:
		return ErrClosed
	default:
	}
	select {
	case p.queue <- delivery{channel, payload}:
		return nil
	default:
		p.overflow.Store(true)
		select {
		case p.kick <- struct{}{}:
		default:
		}
		return ErrQueueFull
	}
}

// Subscribe implements chat.PubSub. It takes effect at once: payloads
// delivered after it returns reach h.
func (p *PubSub) Subscribe(_ context.Context, channel string, h func([]byte)) (func(), error) {
	s := &subscription{h: h}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.handlers[channel] == nil {
		p.handlers[channel] = map[*subscription]struct{}{}
	}
	p.handlers[channel][s] = struct{}{}
	var once sync.Once
	return func() {
		once.Do(func() {
			s.gone.Store(true) // a delivery already under way skips it too
			p.mu.Lock()
			defer p.mu.Unlock()
			delete(p.handlers[channel], s)
			if len(p.handlers[channel]) == 0 {
				delete(p.handlers, channel)
			}
		})
	}, nil
}

// OnResync implements chat.PubSub; f runs on a goroutine of its own after
// payloads were dropped because the queue was full.
func (p *PubSub) OnResync(f func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.resync = append(p.resync, f)
}

// Close stops delivery; payloads still queued are dropped.
func (p *PubSub) Close() error {
	p.close.Do(func() { close(p.done) })
	<-p.stopped
	return nil
}

func (p *PubSub) deliver() {
	defer close(p.stopped)
	// After an overflow, resync once the payloads queued before it are
	// delivered, so the reload happens after them even under steady load.
	resyncDue, before := false, 0
	for {
		select {
		case <-p.done:
			return
		case d := <-p.queue:
			p.dispatch(d)
			before--
		case <-p.kick:
		}
		if p.overflow.Swap(false) && !resyncDue {
			resyncDue, before = true, len(p.queue)
		}
		if resyncDue && before <= 0 {
			resyncDue = false
			p.mu.Lock()
			fs := append([]func(){}, p.resync...)
			p.mu.Unlock()
			for _, f := range fs {
				go f()
			}
		}
	}
}

func (p *PubSub) dispatch(d delivery) {
	p.mu.Lock()
	subs := make([]*subscription, 0, len(p.handlers[d.channel]))
	for s := range p.handlers[d.channel] {
		subs = append(subs, s)
	}
	p.mu.Unlock()
	for _, s := range subs {
		if !s.gone.Load() {
			s.h(d.payload)
		}
	}
}

package memory

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/open-chat/openchat/internal/chat"
)

// ErrClosed answers Publish after Close.
var ErrClosed = errors.New("memory: pubsub closed")

// PubSub is a single-instance chat.PubSub. Publish runs the channel's
// handlers on the publisher's goroutine before it returns: no queue and no
// delivery goroutine, so a payload never waits for a CPU between the
// publisher and its subscribers (that hand-off was most of the tail of many
// small rooms), and nothing is ever dropped, so OnResync never fires.
type PubSub struct {
	closed atomic.Bool

	mu       sync.RWMutex
	handlers map[string][]*subscription // copied on change: Publish reads without copying
}

type subscription struct {
	h    func([]byte)
	gone atomic.Bool
}

var _ chat.PubSub = (*PubSub)(nil)

// NewPubSub returns a PubSub; Close ends it.
func NewPubSub() *PubSub {
	return &PubSub{handlers: map[string][]*subscription{}}
}

// Publish runs the channel's handlers, in subscription order, on the
// calling goroutine; ErrClosed after Close.
func (p *PubSub) Publish(_ context.Context, channel string, payload []byte) error {
	if p.closed.Load() {
		return ErrClosed
	}
	p.mu.RLock()
	subs := p.handlers[channel]
	p.mu.RUnlock()
	for _, s := range subs {
		if !s.gone.Load() {
			s.h(payload)
		}
	}
	return nil
}

// Subscribe implements chat.PubSub. It takes effect at once: payloads
// published after it returns reach h.
func (p *PubSub) Subscribe(_ context.Context, channel string, h func([]byte)) (func(), error) {
	s := &subscription{h: h}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.handlers[channel] = append(slices.Clip(p.handlers[channel]), s)
	var once sync.Once
	return func() {
		once.Do(func() {
			s.gone.Store(true) // a publish already under way skips it too
			p.mu.Lock()
			defer p.mu.Unlock()
			subs := slices.DeleteFunc(slices.Clone(p.handlers[channel]), func(x *subscription) bool { return x == s })
			if len(subs) == 0 {
				delete(p.handlers, channel)
			} else {
				p.handlers[channel] = subs
			}
		})
	}, nil
}

// OnResync implements chat.PubSub. A single instance loses no payload, so
// f is never called.
func (p *PubSub) OnResync(func()) {}

// Close makes later publishes fail with ErrClosed.
func (p *PubSub) Close() error {
	p.closed.Store(true)
	return nil
}

package redis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/open-chat/openchat/internal/chat"
)

// Timing of the PubSub connection.
const (
	// PubSubPingInterval: an idle PubSub connection is pinged this often,
	// and one whose ping is not answered within another interval is
	// considered dead (half-open) and replaced.
	PubSubPingInterval = 10 * time.Second
	// Reconnect attempts back off from PubSubMinBackoff to PubSubMaxBackoff.
	PubSubMinBackoff = 50 * time.Millisecond
	PubSubMaxBackoff = 2 * time.Second
)

// PubSub is the Redis chat.PubSub: one Redis PubSub connection per Client,
// one SUBSCRIBE per channel however many local handlers it has, and one
// receive goroutine that dispatches to the handlers. When the connection
// drops it reconnects with backoff, go-redis resubscribes every channel, and
// the OnResync callbacks run once the resubscription is confirmed.
type PubSub struct {
	rdb  *goredis.Client
	opts Options
	log  *slog.Logger

	subMu sync.Mutex // orders SUBSCRIBE/UNSUBSCRIBE writes; guards ps
	ps    *goredis.PubSub

	mu       sync.Mutex
	channels map[string]*channelSubs // unprefixed channel → local handlers
	pending  []*pendingCmd           // commands sent, awaiting confirmation, in order
	resync   []func()

	ctx     context.Context // ends on Close
	cancel  context.CancelFunc
	stopped chan struct{}
	close   sync.Once
}

type channelSubs struct {
	subs      map[*subscription]struct{}
	confirmed chan struct{} // closed once Redis confirmed the SUBSCRIBE
	once      sync.Once
}

func (cs *channelSubs) confirm() { cs.once.Do(func() { close(cs.confirmed) }) }

type subscription struct {
	h    func([]byte)
	gone atomic.Bool
}

// pendingCmd is a SUBSCRIBE (cs set) or UNSUBSCRIBE written to the
// connection whose confirmation has not arrived yet. Confirmations come in
// command order, so matching them against the head of the queue tells a
// fresh subscription from the echo of an older one.
type pendingCmd struct {
	kind, channel string
	cs            *channelSubs
}

var _ chat.PubSub = (*PubSub)(nil)

func newPubSub(rdb *goredis.Client, opts Options, log *slog.Logger) *PubSub {
	ctx, cancel := context.WithCancel(context.Background())
	p := &PubSub{rdb: rdb, opts: opts, log: log, ps: rdb.Subscribe(ctx),
		channels: map[string]*channelSubs{}, ctx: ctx, cancel: cancel, stopped: make(chan struct{})}
	go p.receive()
	return p
}

// Publish implements chat.PubSub.
func (p *PubSub) Publish(ctx context.Context, channel string, payload []byte) error {
	ctx, cancel := withTimeout(ctx, p.opts.CommandTimeout)
	defer cancel()
	if err := p.rdb.Publish(ctx, p.opts.channel(channel), payload).Err(); err != nil {
		return fmt.Errorf("redis pubsub: publish %s: %w", channel, err)
	}
	return nil
}

// Subscribe implements chat.PubSub. It returns once Redis confirmed the
// channel's subscription, so payloads published after it returns arrive.
// Handlers share the payload slice and must not modify it. After
// unsubscribe returns, h is not called again (except for a call already
// under way on the receive goroutine).
func (p *PubSub) Subscribe(ctx context.Context, channel string, h func([]byte)) (func(), error) {
	ctx, cancel := withTimeout(ctx, p.opts.CommandTimeout)
	defer cancel()
	s := &subscription{h: h}
	unsub := func() { p.unsubscribe(channel, s) }

	p.subMu.Lock()
	p.mu.Lock()
	cs := p.channels[channel]
	first := cs == nil
	if first {
		cs = &channelSubs{subs: map[*subscription]struct{}{}, confirmed: make(chan struct{})}
		p.channels[channel] = cs
	}
	cs.subs[s] = struct{}{}
	var pc *pendingCmd
	if first {
		pc = &pendingCmd{kind: "subscribe", channel: channel, cs: cs}
		p.pending = append(p.pending, pc)
	}
	p.mu.Unlock()
	var err error
	if first {
		if err = p.ps.Subscribe(ctx, p.opts.channel(channel)); err != nil {
			p.dropPending(pc)
		}
	}
	p.subMu.Unlock()

	if err == nil {
		select {
		case <-cs.confirmed:
			var once sync.Once
			return func() { once.Do(unsub) }, nil
		case <-ctx.Done():
			err = ctx.Err()
		case <-p.ctx.Done():
			err = errors.New("closed")
		}
	}
	unsub()
	return nil, fmt.Errorf("redis pubsub: subscribe %s: %w", channel, err)
}

func (p *PubSub) unsubscribe(channel string, s *subscription) {
	s.gone.Store(true)
	p.subMu.Lock()
	defer p.subMu.Unlock()
	p.mu.Lock()
	cs := p.channels[channel]
	if cs == nil {
		p.mu.Unlock()
		return
	}
	delete(cs.subs, s)
	last := len(cs.subs) == 0
	var pc *pendingCmd
	if last {
		delete(p.channels, channel)
		pc = &pendingCmd{kind: "unsubscribe", channel: channel}
		p.pending = append(p.pending, pc)
	}
	p.mu.Unlock()
	if !last {
		return
	}
	// go-redis forgets the channel even when the write fails, so a
	// reconnect will not resubscribe it.
	ctx, cancel := context.WithTimeout(context.Background(), p.opts.CommandTimeout)
	defer cancel()
	if err := p.ps.Unsubscribe(ctx, p.opts.channel(channel)); err != nil {
		p.dropPending(pc)
		p.log.Debug("redis pubsub: unsubscribe failed", "channel", channel, "err", err)
	}
}

func (p *PubSub) dropPending(pc *pendingCmd) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pending = slices.DeleteFunc(p.pending, func(x *pendingCmd) bool { return x == pc })
}

// OnResync implements chat.PubSub. f runs on a goroutine of its own, after
// the connection was restored and every channel resubscribed.
func (p *PubSub) OnResync(f func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.resync = append(p.resync, f)
}

// Close stops the receive goroutine and closes the PubSub connection.
func (p *PubSub) Close() error {
	var err error
	p.close.Do(func() {
		p.cancel()
		p.subMu.Lock()
		err = p.ps.Close()
		p.subMu.Unlock()
		<-p.stopped
	})
	return err
}

package redis

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// receive is the PubSub's one goroutine: it reads the connection,
// dispatches messages, matches subscription confirmations, pings an idle
// connection and reconnects a lost one.
func (p *PubSub) receive() {
	defer close(p.stopped)
	lost, pinged, backoff := false, false, PubSubMinBackoff
	for {
		msg, err := p.ps.ReceiveTimeout(p.ctx, PubSubPingInterval)
		if p.ctx.Err() != nil {
			return
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && !lost {
				if !pinged { // idle: check the connection is alive
					pinged = true
					p.ping()
					continue
				}
				p.log.Warn("redis pubsub: no answer to ping; reconnecting")
				p.replace()
			}
			if !lost {
				p.log.Warn("redis pubsub: connection lost", "err", err)
				lost = true
			}
			p.flushPending()
			select {
			case <-p.ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, PubSubMaxBackoff)
			p.ping() // dials, and go-redis resubscribes every channel first
			continue
		}
		pinged, backoff = false, PubSubMinBackoff
		if lost {
			// The first reply on the new connection follows the
			// resubscription, so every channel is live again.
			lost = false
			p.log.Info("redis pubsub: connection restored; resyncing")
			p.mu.Lock()
			fs := slices.Clone(p.resync)
			p.mu.Unlock()
			for _, f := range fs {
				go f()
			}
		}
		switch m := msg.(type) {
		case *goredis.Message:
			p.dispatch(m)
		case *goredis.Subscription:
			p.confirm(m)
		}
	}
}

func (p *PubSub) ping() {
	ctx, cancel := context.WithTimeout(p.ctx, p.opts.CommandTimeout)
	defer cancel()
	p.subMu.Lock()
	ps := p.ps
	p.subMu.Unlock()
	_ = ps.Ping(ctx)
}

// replace swaps a connection that stopped answering for a new one with the
// same channels, since go-redis only reconnects on errors it sees.
func (p *PubSub) replace() {
	p.subMu.Lock()
	defer p.subMu.Unlock()
	if p.ctx.Err() != nil {
		return
	}
	old := p.ps
	p.mu.Lock()
	chans := make([]string, 0, len(p.channels))
	for ch := range p.channels {
		chans = append(chans, p.opts.channel(ch))
	}
	p.mu.Unlock()
	// Subscribe with channels writes them now if it can, and go-redis
	// keeps them to resubscribe on its next connection otherwise.
	p.ps = p.rdb.Subscribe(p.ctx, chans...)
	_ = old.Close()
}

// flushPending forgets the commands of a lost connection: go-redis
// resubscribes the channels it knows, and those confirmations are matched
// as unsolicited ones.
func (p *PubSub) flushPending() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pending = nil
}

func (p *PubSub) confirm(m *goredis.Subscription) {
	ch, ok := strings.CutPrefix(m.Channel, p.opts.Prefix)
	if !ok {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.pending) > 0 && p.pending[0].kind == m.Kind && p.pending[0].channel == ch {
		pc := p.pending[0]
		p.pending = p.pending[1:]
		if pc.cs != nil {
			pc.cs.confirm()
		}
		return
	}
	// A resubscription after a reconnect: it confirms the channel's
	// current handlers unless a newer command on the channel is in flight.
	if m.Kind != "subscribe" || slices.ContainsFunc(p.pending, func(pc *pendingCmd) bool { return pc.channel == ch }) {
		return
	}
	if cs := p.channels[ch]; cs != nil {
		cs.confirm()
	}
}

func (p *PubSub) dispatch(m *goredis.Message) {
	ch, ok := strings.CutPrefix(m.Channel, p.opts.Prefix)
	if !ok {
		return
	}
	p.mu.Lock()
	cs := p.channels[ch]
	var subs []*subscription
	if cs != nil {
		subs = make([]*subscription, 0, len(cs.subs))
		for s := range cs.subs {
			subs = append(subs, s)
		}
	}
	p.mu.Unlock()
	if len(subs) == 0 {
		return
	}
	payload := []byte(m.Payload)
	for _, s := range subs {
		if !s.gone.Load() {
			s.h(payload)
		}
	}
}

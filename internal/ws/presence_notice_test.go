package ws

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/memory"
)

// countingPubSub counts publishes per channel.
type countingPubSub struct {
	chat.PubSub
	mu  sync.Mutex
	pub map[string]int
}

func (p *countingPubSub) Publish(ctx context.Context, channel string, payload []byte) error {
	p.mu.Lock()
	p.pub[channel]++
	p.mu.Unlock()
	return p.PubSub.Publish(ctx, channel, payload)
}

func (p *countingPubSub) published(channel string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pub[channel]
}

func presenceDirty(r *room) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.presence.dirty
}

// TestPresenceNotice: a presence batch's changed rooms reach the other
// instances in one publish per presenceNoticeRooms rooms, never one per
// room, and an instance marks exactly the rooms it holds that the notice
// names.
func TestPresenceNotice(t *testing.T) {
	mps := memory.NewPubSub()
	t.Cleanup(func() { _ = mps.Close() })
	ps := &countingPubSub{PubSub: mps, pub: map[string]int{}}
	st := openStore(t)
	cfg := Config{PresenceDebounce: time.Hour} // no flush clears the marks
	a := newEnv(t, envOpts{store: st, ps: ps, cfg: cfg})
	b := newEnv(t, envOpts{store: st, ps: ps, cfg: cfg})
	a.signUp("alice")
	b.signUp("alice")
	named, other := a.room("named"), a.room("other")
	cb := b.dial("alice", dialOpts{})
	cb.subscribe(named, nil)
	cb.subscribe(other, nil)
	rNamed, rOther := hubRoom(b, named), hubRoom(b, other)
	// The joins' own notices are out before the marks are cleared.
	b.srv.presMu.Lock()
	written := b.srv.presWriteLocked()
	b.srv.presMu.Unlock()
	<-written

	tests := []struct {
		rooms, publishes int
	}{{1, 1}, {presenceNoticeRooms, 1}, {presenceNoticeRooms + 1, 2}, {2*presenceNoticeRooms + 1, 3}}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.rooms, " rooms"), func(t *testing.T) {
			for _, r := range []*room{rNamed, rOther} {
				r.mu.Lock()
				r.presence.dirty = false
				r.mu.Unlock()
			}
			changed := map[string]*room{named: {id: named}}
			for len(changed) < tt.rooms {
				id := chat.NewID()
				changed[id] = &room{id: id}
			}
			before, perRoom := ps.published(presenceChannel), ps.published(chat.RoomChannel(named))
			a.srv.presenceChanged(bg(), changed)
			if n := ps.published(presenceChannel) - before; n != tt.publishes {
				t.Errorf("%d publishes for %d rooms, want %d", n, tt.rooms, tt.publishes)
			}
			if n := ps.published(chat.RoomChannel(named)) - perRoom; n != 0 {
				t.Errorf("%d publishes on the room's own channel, want 0", n)
			}
			for id, r := range changed {
				if !presenceDirty(r) {
					t.Fatalf("room %s not marked on the publishing instance", id)
				}
			}
			if !presenceDirty(rNamed) {
				t.Error("the other instance did not mark the named room")
			}
			if presenceDirty(rOther) {
				t.Error("the other instance marked a room the notice did not name")
			}
		})
	}
}

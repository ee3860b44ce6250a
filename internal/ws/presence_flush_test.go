package ws

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/memory"
)

// lookupPresence counts Online calls and fails the next fail of them.
type lookupPresence struct {
	chat.Presence
	calls, fail atomic.Int64
}

func (p *lookupPresence) Online(ctx context.Context, roomIDs []string) (map[string][]string, error) {
	p.calls.Add(1)
	if p.fail.Add(-1) >= 0 {
		return nil, errors.New("presence down")
	}
	return p.Presence.Online(ctx, roomIDs)
}

// TestPresenceFlushLooksUpTogether: a flush looks up every changed room in
// one call, and a room whose lookup failed is sent with the next flush.
func TestPresenceFlushLooksUpTogether(t *testing.T) {
	for _, fail := range []int64{0, 1} {
		t.Run(map[int64]string{0: "found", 1: "lookup failed once"}[fail], func(t *testing.T) {
			pr := &lookupPresence{Presence: memory.NewPresence("flush", time.Minute, nil)}
			// No flush of its own: the test calls it.
			e := newEnv(t, envOpts{pr: pr, cfg: Config{InstanceID: "flush", PresenceDebounce: time.Hour}})
			e.signUp("alice", "bob")
			rooms := []string{e.room("one"), e.room("two"), e.room("three")}
			a, b := e.dial("alice", dialOpts{}), e.dial("bob", dialOpts{})
			for _, room := range rooms {
				a.subscribe(room, nil)
				waitPresence(t, a, room, 1)
			}
			for _, room := range rooms {
				b.subscribe(room, nil)
			}
			waitFor(t, "every room changed", func() bool {
				for _, room := range rooms {
					e.srv.roomsMu.Lock()
					r := e.srv.rooms[room]
					e.srv.roomsMu.Unlock()
					r.mu.Lock()
					dirty := r.presence.dirty
					r.mu.Unlock()
					if !dirty {
						return false
					}
				}
				return true
			})
			pr.fail.Store(fail)
			before := pr.calls.Load()
			e.srv.flushPresence(bg())
			if fail > 0 {
				a.quiet(50*time.Millisecond, typePresence)
				e.srv.flushPresence(bg())
			}
			seen := map[string]bool{} // the rooms' frames come in any order
			for len(seen) < len(rooms) {
				if f := a.expect(typePresence); f.Count == 2 {
					seen[f.RoomID] = true
				}
			}
			if n := pr.calls.Load() - before; n != 1+fail {
				t.Errorf("%d lookups for %d rooms, want %d", n, len(rooms), 1+fail)
			}
		})
	}
}

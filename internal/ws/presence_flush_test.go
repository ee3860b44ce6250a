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
					r := hubRoom(e, room)
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
			e.srv.flushPresence(bg(), false)
			if fail > 0 {
				a.quiet(50*time.Millisecond, typePresence)
				e.srv.flushPresence(bg(), false)
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

// TestSubscribeToChangedRoomLooksUpNothing: a subscriber of a room whose
// set changed gets the kept frame, however old, without a lookup; the flush
// brings the fresh one. A room not changed is looked up once the kept
// frame is older than PresenceDebounce.
func TestSubscribeToChangedRoomLooksUpNothing(t *testing.T) {
	pr := &lookupPresence{Presence: memory.NewPresence("sub", time.Minute, nil)}
	e := newEnv(t, envOpts{pr: pr, cfg: Config{InstanceID: "sub", PresenceDebounce: time.Hour}})
	e.signUp("alice", "bob")
	room := e.room("general")
	a := e.dial("alice", dialOpts{})
	a.subscribe(room, nil)
	waitPresence(t, a, room, 1) // the first frame: looked up
	agePresence(e, room)        // the kept frame is past PresenceDebounce
	before := pr.calls.Load()
	b := e.dial("bob", dialOpts{})
	b.subscribe(room, nil) // bob's join changes the set
	waitPresence(t, b, room, 1)
	if n := pr.calls.Load() - before; n != 0 {
		t.Errorf("%d lookups for a subscribe to a changed room, want 0", n)
	}
	if hit, miss := e.metrics.cacheOf(chat.CachePresence, chat.CacheHit), e.metrics.cacheOf(chat.CachePresence, chat.CacheMiss); hit != 1 || miss != 1 {
		t.Errorf("presence frames counted %d kept, %d looked up; want 1 and 1 (alice's first)", hit, miss)
	}
	e.srv.flushPresence(bg(), false)
	waitPresence(t, a, room, 2)
	waitPresence(t, b, room, 2)
	if n := pr.calls.Load() - before; n != 1 {
		t.Errorf("%d lookups with the flush, want 1", n)
	}

	agePresence(e, room)
	a2 := e.dial("alice", dialOpts{}) // alice again: the set does not change
	a2.subscribe(room, nil)
	waitPresence(t, a2, room, 2)
	if n := pr.calls.Load() - before; n != 2 {
		t.Errorf("%d lookups after a subscribe to an unchanged room with an old frame, want 2", n)
	}
}

// TestSubscribeLookupFailed: a subscriber whose presence lookup failed gets
// its frame with the next flush, even when the room is not changing (here:
// a second connection of a user already there, the kept frame too old).
func TestSubscribeLookupFailed(t *testing.T) {
	pr := &lookupPresence{Presence: memory.NewPresence("fail", time.Minute, nil)}
	e, room, _ := aliceInRoom(t, pr, Config{InstanceID: "fail", PresenceDebounce: time.Hour})
	agePresence(e, room)

	pr.fail.Store(1)
	a2 := e.dial("alice", dialOpts{})
	a2.subscribe(room, nil)
	a2.quiet(50*time.Millisecond, typePresence)
	e.srv.flushPresence(bg(), false)
	waitPresence(t, a2, room, 1)
}

// hubRoom is the hub's state of a room with local subscribers.
func hubRoom(e *env, id string) *room {
	e.srv.roomsMu.Lock()
	defer e.srv.roomsMu.Unlock()
	return e.srv.rooms[id]
}

// agePresence makes the room's kept presence frame two hours old.
func agePresence(e *env, id string) {
	r := hubRoom(e, id)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.presence.at = time.Now().Add(-2 * time.Hour)
}

// TestPresenceFlushChunks: a flush asks presenceLookupRooms rooms a call.
func TestPresenceFlushChunks(t *testing.T) {
	for _, tc := range []struct{ rooms, lookups int }{
		{1, 1},
		{presenceLookupRooms, 1},
		{2*presenceLookupRooms + 1, 3},
	} {
		pr := &lookupPresence{Presence: memory.NewPresence("chunks", time.Minute, nil)}
		e := newEnv(t, envOpts{pr: pr, cfg: Config{InstanceID: "chunks", PresenceDebounce: time.Hour}})
		idle := &conn{} // a subscriber still replaying: sent nothing
		e.srv.roomsMu.Lock()
		for range tc.rooms {
			r := &room{id: chat.NewID(), inited: true, presence: presenceCache{dirty: true}}
			r.subs = []*sub{{c: idle, room: r, pending: true}}
			e.srv.rooms[r.id] = r
		}
		e.srv.roomsMu.Unlock()
		e.srv.flushPresence(bg(), false)
		if n := pr.calls.Load(); n != int64(tc.lookups) {
			t.Errorf("%d changed rooms: %d lookups, want %d", tc.rooms, n, tc.lookups)
		}
	}
}

// TestPresenceRecheck: a set that changes with no notice (another
// instance's user appears, then its entry expires as when that instance
// dies) reaches a quiet room's subscribers with the next recheck, and a
// recheck that finds the set as they were sent it sends nothing.
func TestPresenceRecheck(t *testing.T) {
	pr := memory.NewPresence("recheck", time.Minute, nil)
	e, room, a := aliceInRoom(t, pr, Config{InstanceID: "recheck", PresenceDebounce: time.Hour, PresenceRefresh: time.Hour})
	e.signUp("bob")
	bob := []chat.PresenceEntry{{RoomID: room, UserID: e.user("bob").ID}}

	steps := []struct {
		name    string
		change  func() error
		recheck bool
		want    int // the count of the frame sent, 0: none
	}{
		{name: "nothing changed", recheck: true},
		{name: "bob appears, no recheck", change: func() error { return pr.Touch(bg(), bob) }},
		{name: "the recheck finds him", recheck: true, want: 2},
		{name: "his entry expires, no recheck", change: func() error { return pr.Remove(bg(), bob) }},
		{name: "the recheck finds him gone", recheck: true, want: 1},
		{name: "and again nothing changed", recheck: true},
	}
	for _, st := range steps {
		if st.change != nil {
			if err := st.change(); err != nil {
				t.Fatal(err)
			}
		}
		e.srv.flushPresence(bg(), st.recheck)
		if st.want == 0 {
			a.quiet(50*time.Millisecond, typePresence)
			continue
		}
		if f := a.expect(typePresence); f.Count != st.want {
			t.Fatalf("%s: presence count %d, want %d", st.name, f.Count, st.want)
		}
	}
}

// aliceInRoom starts a hub on pr with alice subscribed to a room, her
// join's change flushed and both her frames read.
func aliceInRoom(t *testing.T, pr chat.Presence, cfg Config) (*env, string, *client) {
	t.Helper()
	e := newEnv(t, envOpts{pr: pr, cfg: cfg})
	e.signUp("alice")
	room := e.room("general")
	a := e.dial("alice", dialOpts{})
	a.subscribe(room, nil)
	waitPresence(t, a, room, 1)
	e.srv.flushPresence(bg(), false) // the join's change, sent
	waitPresence(t, a, room, 1)
	return e, room, a
}

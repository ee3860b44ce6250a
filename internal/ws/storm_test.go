package ws

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/memory"
	"github.com/open-chat/openchat/internal/redis"
	"github.com/open-chat/openchat/internal/redis/redistest"
)

// heldPresence counts the calls to a real Presence and, while held, makes
// the next call of a kind wait for release: connections that come and go
// meanwhile must all land in the batch after it.
type heldPresence struct {
	chat.Presence
	touches, removes atomic.Int64
	written          atomic.Int64 // touches and removes that returned
	mu               sync.Mutex
	hold             map[string]chan struct{} // "touch", "remove": the next such call waits for it to close
}

func (p *heldPresence) wait(kind string) {
	p.mu.Lock()
	ch := p.hold[kind]
	delete(p.hold, kind)
	p.mu.Unlock()
	if ch != nil {
		<-ch
	}
}

func (p *heldPresence) holdNext(kind string) (release func()) {
	ch := make(chan struct{})
	p.mu.Lock()
	p.hold[kind] = ch
	p.mu.Unlock()
	return sync.OnceFunc(func() { close(ch) })
}

func (p *heldPresence) Touch(ctx context.Context, e []chat.PresenceEntry) error {
	p.touches.Add(1)
	defer p.written.Add(1)
	p.wait("touch")
	return p.Presence.Touch(ctx, e)
}

func (p *heldPresence) Remove(ctx context.Context, e []chat.PresenceEntry) error {
	p.removes.Add(1)
	defer p.written.Add(1)
	p.wait("remove")
	return p.Presence.Remove(ctx, e)
}

// TestPresenceRefreshAfterLeave: a refresh taken while a user is in a room
// must not re-add the room's entry once the user has left, even when the
// refresh is written after the leave was counted (it used to be written
// beside the batch writer, and could land after the removal: online until
// the TTL).
func TestPresenceRefreshAfterLeave(t *testing.T) {
	pr := &heldPresence{Presence: memory.NewPresence("refresh", time.Minute, nil), hold: map[string]chan struct{}{}}
	e := newEnv(t, envOpts{pr: pr, cfg: Config{InstanceID: "refresh", PresenceRefresh: time.Hour}})
	e.signUp("alice")
	room := e.room("general")
	a := e.dial("alice", dialOpts{})
	a.subscribe(room, nil)
	online := func() []string {
		ids, err := onlineIn(pr, room)
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	waitFor(t, "alice online", func() bool { return len(online()) == 1 })

	release := pr.holdNext("touch")
	defer release()
	before := pr.touches.Load()
	go e.srv.refreshPresence() // counts alice in the room; its touch is held in flight
	waitFor(t, "the refresh's touch", func() bool { return pr.touches.Load() > before })
	a.send(M{"type": "unsubscribe", "room_id": room})
	waitFor(t, "the leave counted", func() bool {
		e.srv.presMu.Lock()
		defer e.srv.presMu.Unlock()
		return e.srv.presCount[chat.PresenceEntry{RoomID: room, UserID: e.user("alice").ID}] == 0
	})
	time.Sleep(50 * time.Millisecond) // room for a removal written beside the held touch, as before
	release()
	waitFor(t, "every presence write done", func() bool {
		e.srv.presMu.Lock()
		defer e.srv.presMu.Unlock()
		return !e.srv.pb.running && pr.written.Load() == pr.touches.Load()+pr.removes.Load()
	})
	if ids := online(); len(ids) != 0 {
		t.Fatalf("online in the room after leaving: %v", ids)
	}
}

// TestPresenceWritesInBatches: connections that subscribe, and leave,
// while a presence write is in flight are written together in the next
// one, which lists them all (and then none), on the memory and the Redis
// Presence.
func TestPresenceWritesInBatches(t *testing.T) {
	const n = 12
	tests := []struct {
		name string
		pr   func(t *testing.T, instance string) chat.Presence
	}{
		{"memory", func(t *testing.T, instance string) chat.Presence {
			return memory.NewPresence(instance, time.Minute, nil)
		}},
		{"redis", func(t *testing.T, instance string) chat.Presence {
			url, prefix := redistest.URL(t)
			rc, err := redis.Open(bg(), url, redis.Options{Prefix: prefix, InstanceID: instance}, testLog(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = rc.Close() })
			return rc.Presence()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pr := &heldPresence{Presence: tt.pr(t, "storm"), hold: map[string]chan struct{}{}}
			e := newEnv(t, envOpts{pr: pr, cfg: Config{InstanceID: "storm", PresenceDebounce: 30 * time.Millisecond}})
			names := make([]string, n)
			for i := range names {
				names[i] = fmt.Sprintf("user%02d", i)
			}
			e.signUp(names...)
			room := e.room("general")
			// counted is how many presence entries the instance counts: one
			// per user connected ("") and one per user in the room.
			counted := func() int {
				e.srv.presMu.Lock()
				defer e.srv.presMu.Unlock()
				return len(e.srv.presCount)
			}

			release := pr.holdNext("touch")
			defer release()
			first := e.dial(names[0], dialOpts{}) // its connect is the write held in flight
			waitFor(t, "the first touch", func() bool { return pr.touches.Load() == 1 })
			clients := []*client{first}
			for _, name := range names[1:] {
				clients = append(clients, e.dial(name, dialOpts{}))
			}
			for _, cl := range clients {
				cl.send(M{"type": "subscribe", "room_id": room})
				cl.expect(typeSubscribed) // sent before presence is written
			}
			waitFor(t, "every connection and subscription counted", func() bool { return counted() == 2*n })
			release()
			waitPresence(t, first, room, n)
			if got := pr.touches.Load(); got != 2 {
				t.Errorf("%d touches for %d connections and subscriptions, want 2 (the held one and one batch)", got, n)
			}
			online, err := onlineIn(pr, room)
			if err != nil || len(online) != n {
				t.Fatalf("online = %d users (%v), want %d", len(online), err, n)
			}

			// All but the first leave while a removal is held.
			releaseRemove := pr.holdNext("remove")
			defer releaseRemove()
			clients[1].send(M{"type": "unsubscribe", "room_id": room})
			waitFor(t, "the first removal", func() bool { return pr.removes.Load() == 1 })
			for _, cl := range clients[2:] {
				_ = cl.c.CloseNow()
			}
			// Left: the first (connected, in the room) and the second (connected).
			waitFor(t, "the others counted out", func() bool { return counted() == 3 })
			releaseRemove()
			waitPresence(t, first, room, 1)
			if got := pr.removes.Load(); got != 2 {
				t.Errorf("%d removals for %d leaving connections, want 2 (the held one and one batch)", got, n-1)
			}
			online, err = onlineIn(pr, room)
			if err != nil || len(online) != 1 || online[0] != e.user(names[0]).ID {
				t.Errorf("online after the others left = %v (%v), want only %s", online, err, names[0])
			}
		})
	}
}

// headCounter counts a real store's Head reads.
type headCounter struct {
	chat.Store
	n atomic.Int64
}

func (h *headCounter) Head(ctx context.Context, roomID string) (chat.Head, error) {
	h.n.Add(1)
	return h.Store.Head(ctx, roomID)
}

// TestSubscribeReadsNoHead: only a room's first local subscriber reads
// its head from the store; later subscribers start where the hub's stream
// stands, and each gets every message exactly once however it subscribes,
// while messages are posted.
func TestSubscribeReadsNoHead(t *testing.T) {
	st := openStore(t)
	store := &headCounter{Store: st}
	e := newEnv(t, envOpts{store: store})
	e.signUp("alice", "bob", "carol", "dave", "erin")
	room := e.room("general")
	a := e.dial("alice", dialOpts{})
	a.subscribe(room, nil)
	heads := store.n.Load()
	for i := range 5 {
		e.post(room, "alice", fmt.Sprint("before ", i))
	}
	checkSeqs(t, "alice", a.messages(room, 5), 1, 5)

	posted := make(chan struct{})
	go func() {
		defer close(posted)
		for i := range 5 {
			e.post(room, "alice", fmt.Sprint("during ", i))
		}
	}()
	tests := []struct {
		user  string
		frame M
		from  func(sub frame) int64 // first seq expected
	}{
		{"bob", M{}, func(sub frame) int64 { return sub.LastSeq + 1 }},
		{"carol", M{"after_seq": 2}, func(frame) int64 { return 3 }},
		{"dave", M{"after_change": 0}, func(frame) int64 { return 1 }},
		{"erin", M{"after_seq": 0}, func(frame) int64 { return 1 }},
	}
	type got struct {
		cl   *client
		from int64
	}
	var subs []got
	for _, tt := range tests {
		cl := e.dial(tt.user, dialOpts{})
		f := M{"type": "subscribe", "room_id": room}
		for k, v := range tt.frame {
			f[k] = v
		}
		cl.send(f)
		subs = append(subs, got{cl, tt.from(cl.expect(typeSubscribed))})
	}
	<-posted
	for k, s := range subs {
		checkSeqs(t, tests[k].user, s.cl.messages(room, int(10-s.from+1)), s.from, 10)
		s.cl.quiet(50*time.Millisecond, typeMessage)
	}
	if got := store.n.Load() - heads; got != 0 {
		t.Errorf("%d head reads for %d subscriptions to a room with a local subscriber, want 0", got, len(tests))
	}
}

// readCounter counts what a resume may read: the store's changes and
// messages, and the cache's messages after a seq.
type readCounter struct {
	chat.Store
	n atomic.Int64
}

func (c *readCounter) ChangesAfter(ctx context.Context, roomID string, after int64, limit int) ([]chat.Message, error) {
	c.n.Add(1)
	return c.Store.ChangesAfter(ctx, roomID, after, limit)
}

func (c *readCounter) Messages(ctx context.Context, roomID string, q chat.MessageQuery) ([]chat.Message, error) {
	c.n.Add(1)
	return c.Store.Messages(ctx, roomID, q)
}

type cacheReadCounter struct {
	chat.Cache
	n *atomic.Int64
}

func (c cacheReadCounter) MessagesAfter(ctx context.Context, roomID string, after int64) ([]chat.Message, bool, error) {
	c.n.Add(1)
	return c.Cache.MessagesAfter(ctx, roomID, after)
}

// TestResumeUnchangedReadsNothing: a subscribe with after_change or
// after_seq at or past where the room's stream stands reads nothing, from
// the store or the cache (in a storm, most rooms did not change while
// their clients were away); one behind it gets what it missed, here from
// the room's recent changes (recent_test.go has the reads). Either way
// every later message arrives once.
func TestResumeUnchangedReadsNothing(t *testing.T) {
	for _, cur := range []struct {
		by     string                   // the subscribe's cursor
		of     func(chat.Message) int64 // a message's position by it
		subbed func(frame) int64        // and the subscribed frame's
	}{
		{"after_change", func(m chat.Message) int64 { return m.Change }, func(f frame) int64 { return f.LastChange }},
		{"after_seq", func(m chat.Message) int64 { return m.Seq }, func(f frame) int64 { return f.LastSeq }},
	} {
		t.Run(cur.by, func(t *testing.T) {
			store := &readCounter{Store: openStore(t)}
			e := newEnv(t, envOpts{store: store, cache: cacheReadCounter{Cache: memory.NewCache(memory.CacheConfig{}), n: &store.n}})
			e.signUp("alice", "bob")
			room := e.room("general")
			a := e.dial("alice", dialOpts{})
			a.subscribe(room, nil)
			var last chat.Message
			for i := range 3 {
				last = e.post(room, "alice", fmt.Sprint("before ", i))
			}
			checkSeqs(t, "alice", a.messages(room, 3), 1, 3)
			at := cur.of(last)
			for _, tt := range []struct {
				name   string
				after  int64
				reads  bool  // any read of the store or the cache
				replay int64 // messages replayed before the live one
			}{
				{"current", at, false, 0},
				{"ahead of this instance", at + 5, false, 0}, // e.g. seen on another instance; never replays what it has seen
				{"one behind", at - 1, false, 1},
			} {
				before := store.n.Load()
				b := e.dial("bob", dialOpts{})
				b.send(M{"type": "subscribe", "room_id": room, cur.by: tt.after})
				if got := cur.subbed(b.expect(typeSubscribed)); got != max(tt.after, at) {
					t.Errorf("%s: subscribed at %d, want %d", tt.name, got, max(tt.after, at))
				}
				if got := store.n.Load() - before; (got > 0) != tt.reads {
					t.Errorf("%s: %d reads, want any: %v", tt.name, got, tt.reads)
				}
				if tt.replay > 0 {
					checkSeqs(t, tt.name, b.messages(room, int(tt.replay)), 4-tt.replay, 3)
				}
				_ = b.c.CloseNow()
			}
			// A resubscribe at the head still gets what comes next, once.
			c := e.dial("bob", dialOpts{})
			c.send(M{"type": "subscribe", "room_id": room, cur.by: at})
			c.expect(typeSubscribed)
			e.post(room, "alice", "after")
			checkSeqs(t, "bob", c.messages(room, 1), 4, 4)
			c.quiet(50*time.Millisecond, typeMessage)
		})
	}
}

// onlineIn is the users online in one room.
func onlineIn(pr chat.Presence, room string) ([]string, error) {
	online, err := pr.Online(bg(), []string{room})
	return online[room], err
}

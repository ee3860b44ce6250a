package ws

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/memory"
)

// TestRecent: what a room's recent changes can replay, and when they
// must send the resume to the cache or the store.
func TestRecent(t *testing.T) {
	msg := func(change, seq int64) item {
		return item{change: change, prev: change - 1, seq: seq, kind: typeMessage, frame: []byte(fmt.Sprint("m", seq))}
	}
	edit := func(change, seq int64) item {
		return item{change: change, prev: change - 1, seq: seq, kind: typeMessageUpdated, frame: []byte(fmt.Sprint("e", seq))}
	}
	big := func(change, seq int64) item { // a third of recentMaxBytes
		it := msg(change, seq)
		it.frame = make([]byte, recentMaxBytes/3+1)
		return it
	}
	many := func(n int) []item { // changes 11.. creating seqs 6..
		var out []item
		for i := range int64(n) {
			out = append(out, msg(11+i, 6+i))
		}
		return out
	}
	for _, tc := range []struct {
		name      string
		items     []item // fanned out after the room started at change 10, seq 5
		by        string // "seq" or "change"
		after     int64
		cut       int64
		ok        bool
		want      []string
		wantSeqs  int64
		wantFrom  int64 // the recent changes' start afterwards
		wantItems int
	}{
		{"by seq, all covered", []item{msg(11, 6), msg(12, 7), msg(13, 8)}, "seq", 6, 13, true, []string{"m7", "m8"}, 8, 10, 3},
		{"by seq, up to the cut", []item{msg(11, 6), msg(12, 7), msg(13, 8)}, "seq", 5, 12, true, []string{"m6", "m7"}, 7, 10, 3},
		{"by seq, older than the room's start", []item{msg(11, 6)}, "seq", 4, 11, false, nil, 0, 10, 1},
		{"by seq, a missed message edited", []item{msg(11, 6), edit(12, 6)}, "seq", 5, 12, false, nil, 0, 10, 2},
		{"by seq, a held message edited", []item{msg(11, 6), msg(12, 7), edit(13, 6)}, "seq", 6, 13, true, []string{"m7"}, 7, 10, 3},
		{"by seq, an edit past the cut", []item{msg(11, 6), edit(12, 6)}, "seq", 5, 11, true, []string{"m6"}, 6, 10, 2},
		{"by change, all covered", []item{msg(11, 6), msg(12, 7)}, "change", 10, 12, true, []string{"m6", "m7"}, 0, 10, 2},
		{"by change, older than the start", []item{msg(11, 6)}, "change", 9, 11, false, nil, 0, 10, 1},
		{"by change, an edit", []item{msg(11, 6), edit(12, 6)}, "change", 11, 12, false, nil, 0, 10, 2},
		{"a gap starts over", []item{msg(11, 6), msg(13, 8), msg(14, 9)}, "seq", 8, 14, true, []string{"m9"}, 9, 13, 1},
		{"a gap: older ones are gone", []item{msg(11, 6), msg(13, 8), msg(14, 9)}, "seq", 6, 14, false, nil, 0, 13, 1},
		{"bounded: the oldest leave", many(recentMax + 2), "seq", 7, 10 + recentMax + 2, true, nil, 0, 12, recentMax},
		{"bounded: older than what is left", many(recentMax + 2), "seq", 6, 10 + recentMax + 2, false, nil, 0, 12, recentMax},
		{"bounded in bytes", []item{big(11, 6), big(12, 7), big(13, 8)}, "seq", 6, 13, true, nil, 8, 11, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r recent
			r.reset(10, 5)
			last, lastSeq := int64(10), int64(5)
			for _, it := range tc.items {
				r.add(it, last, lastSeq)
				last, lastSeq = it.change, max(lastSeq, it.seq)
			}
			var frames [][]byte
			var seqs int64
			var ok bool
			if tc.by == "seq" {
				frames, seqs, ok = r.afterSeq(tc.after, tc.cut)
			} else {
				frames, ok = r.afterChange(tc.after, tc.cut)
			}
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			var got []string
			for _, f := range frames {
				got = append(got, string(f))
			}
			if tc.want != nil && !slices.Equal(got, tc.want) || tc.wantSeqs != 0 && seqs != tc.wantSeqs {
				t.Errorf("frames %v (seqs %d), want %v (%d)", got, seqs, tc.want, tc.wantSeqs)
			}
			if r.from != tc.wantFrom || len(r.items) != tc.wantItems {
				t.Errorf("recent from %d with %d items, want from %d with %d", r.from, len(r.items), tc.wantFrom, tc.wantItems)
			}
		})
	}
}

// TestRecentBudget: the rooms of an instance share recentBudget bytes; a
// room whose next change would pass it starts over empty, giving its own
// bytes back, and a room's bytes are counted in and out exactly.
func TestRecentBudget(t *testing.T) {
	frame := func(change int64, n int) item {
		return item{change: change, prev: change - 1, seq: change, kind: typeMessage, frame: make([]byte, n)}
	}
	for _, tc := range []struct {
		name      string
		othersUse int64 // what other rooms keep
		wantItems int   // after changes of 100 and 200 bytes
		wantUsed  int64
	}{
		{"within the budget", 0, 2, 300},
		{"the second change would pass it", recentBudget - 250, 0, recentBudget - 250},
		{"the first would", recentBudget - 50, 0, recentBudget - 50},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var used atomic.Int64
			used.Store(tc.othersUse)
			r := recent{used: &used}
			r.reset(0, 0)
			r.add(frame(1, 100), 0, 0)
			r.add(frame(2, 200), 1, 1)
			if len(r.items) != tc.wantItems || used.Load() != tc.wantUsed {
				t.Fatalf("%d items, %d bytes used; want %d, %d", len(r.items), used.Load(), tc.wantItems, tc.wantUsed)
			}
			r.reset(2, 2)
			if used.Load() != tc.othersUse {
				t.Fatalf("after a reset %d bytes used, want %d", used.Load(), tc.othersUse)
			}
		})
	}
}

// TestReplayFromRecent: every subscriber of a room leaves; messages are
// posted while the room lingers; each comes back by after_seq or
// after_change and gets exactly what it missed, then the live stream,
// without a read of the cache or the store, unless the room did not
// linger (RoomLinger negative), or a missed message changed after its
// post (then the read has its current form).
func TestReplayFromRecent(t *testing.T) {
	for _, tc := range []struct {
		name   string
		linger time.Duration
		edit   bool // edit a missed message before coming back
		reads  bool
	}{
		{"the room lingers", 0, false, false},
		{"the room does not linger", -1, false, true},
		{"a missed message was edited", 0, true, true},
	} {
		for _, by := range []string{"after_seq", "after_change"} {
			t.Run(tc.name+"/"+by, func(t *testing.T) {
				store := &readCounter{Store: openStore(t)}
				e := newEnv(t, envOpts{cfg: Config{RoomLinger: tc.linger}, store: store,
					cache: cacheReadCounter{Cache: memory.NewCache(memory.CacheConfig{}), n: &store.n}})
				e.signUp("alice", "bob")
				room := e.room("general")
				b := e.dial("bob", dialOpts{})
				b.subscribe(room, nil)
				first := e.post(room, "alice", "seen")
				b.messages(room, 1)
				_ = b.c.CloseNow()
				waitFor(t, "bob's connection to end", func() bool { return e.metrics.conns() == 0 })

				missed := []chat.Message{e.post(room, "alice", "missed 1"), e.post(room, "alice", "missed 2")}
				if tc.edit {
					if _, err := e.svc.EditMessage(bg(), e.user("alice"), room, missed[0].Seq, "missed 1, edited"); err != nil {
						t.Fatal(err)
					}
				}
				before := store.n.Load()
				b = e.dial("bob", dialOpts{})
				after := first.Seq
				if by == "after_change" {
					after = first.Change
				}
				b.send(M{"type": "subscribe", "room_id": room, by: after})
				b.expect(typeSubscribed)
				var got []chat.Message
				for range missed { // an edited one comes by change as message_updated
					f := b.next(typePresence, typeHello)
					if f.Type != typeMessage && f.Type != typeMessageUpdated {
						t.Fatalf("got a %s frame, want a message", f.Type)
					}
					got = append(got, f.msg())
				}
				// by change, the edited message comes last (compacted: in its current place)
				slices.SortFunc(got, func(a, b chat.Message) int { return int(a.Seq - b.Seq) })
				checkSeqs(t, "bob", got, missed[0].Seq, missed[1].Seq)
				if tc.edit && got[0].Body != "missed 1, edited" {
					t.Errorf("replayed %q, want the edited body", got[0].Body)
				}
				if n := store.n.Load() - before; (n > 0) != tc.reads {
					t.Errorf("%d reads of the cache or the store, want any: %v", n, tc.reads)
				}
				live := e.post(room, "alice", "live")
				checkSeqs(t, "bob", b.messages(room, 1), live.Seq, live.Seq)
				b.quiet(50*time.Millisecond, typeMessage)
			})
		}
	}
}

// roomSubs counts the upstream subscriptions to one room's channel.
type roomSubs struct {
	chat.PubSub
	channel string
	n       atomic.Int64
}

func (p *roomSubs) Subscribe(ctx context.Context, channel string, h func([]byte)) (func(), error) {
	unsub, err := p.PubSub.Subscribe(ctx, channel, h)
	if err != nil || channel != p.channel {
		return unsub, err
	}
	p.n.Add(1)
	var once sync.Once
	return func() { once.Do(func() { p.n.Add(-1) }); unsub() }, nil
}

// TestIdleRoomsEnd: a room keeps its upstream subscription (and its
// recent changes) after its last subscriber left, ends it once RoomLinger
// has passed without one, and at Shutdown, giving its bytes back; a
// subscriber coming back meanwhile finds it.
func TestIdleRoomsEnd(t *testing.T) {
	for _, tc := range []struct {
		name string
		end  func(e *env, room string)
	}{
		{"RoomLinger passed", func(e *env, _ string) { e.srv.endIdleRooms(time.Now().Add(time.Hour), time.Hour) }},
		{"shutdown, a subscriber still connected", func(e *env, room string) {
			a := e.dial("alice", dialOpts{})
			a.subscribe(room, nil)
			if err := e.srv.Shutdown(bg()); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps := &roomSubs{PubSub: memory.NewPubSub()}
			t.Cleanup(func() { _ = ps.Close() })
			e := newEnv(t, envOpts{cfg: Config{RoomLinger: time.Hour}, ps: ps})
			e.signUp("alice")
			room := e.room("general")
			ps.channel = chat.RoomChannel(room)
			for range 2 {
				a := e.dial("alice", dialOpts{})
				a.subscribe(room, nil)
				e.post(room, "alice", "kept in the room's recent changes")
				a.messages(room, 1)
				_ = a.c.CloseNow()
				waitFor(t, "alice's connection to end", func() bool { return e.metrics.conns() == 0 })
				if n := ps.n.Load(); n != 1 {
					t.Fatalf("%d upstream subscriptions after the last subscriber left, want 1 (lingering)", n)
				}
			}
			e.srv.endIdleRooms(time.Now(), time.Hour)
			if n := ps.n.Load(); n != 1 {
				t.Fatalf("%d upstream subscriptions before RoomLinger passed, want 1", n)
			}
			if e.srv.recentUsed.Load() == 0 {
				t.Fatal("the lingering room keeps no recent changes")
			}
			tc.end(e, room)
			if n := ps.n.Load(); n != 0 {
				t.Fatalf("%d upstream subscriptions, want 0", n)
			}
			if n := e.srv.recentUsed.Load(); n != 0 {
				t.Fatalf("%d bytes of recent changes counted after the room ended, want 0", n)
			}
		})
	}
}

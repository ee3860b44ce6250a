package ws

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/memory"
)

// view is a client's picture of a room, built only from frames, as the
// protocol tells clients to: message and message_updated replace the
// message of their seq, message_deleted leaves a tombstone, reaction
// adds or removes one user's emoji.
type view struct {
	msgs       map[int64]string // seq → a canonical form to compare
	reactions  map[int64]map[string][]string
	lastChange int64
}

func newView() *view {
	return &view{msgs: map[int64]string{}, reactions: map[int64]map[string][]string{}}
}

func canonical(m chat.Message) string {
	return fmt.Sprintf("%s|deleted=%v|edited=%v|reply_to=%d|replies=%d", m.Body, m.Deleted, m.EditedAt != nil, m.ReplyTo, m.ReplyCount)
}

func (v *view) apply(t *testing.T, f frame) {
	t.Helper()
	if f.Change <= v.lastChange {
		t.Fatalf("%s frame with change %d after %d", f.Type, f.Change, v.lastChange)
	}
	v.lastChange = f.Change
	switch f.Type {
	case typeMessage, typeMessageUpdated:
		m := f.msg()
		if m.Change != f.Change {
			t.Fatalf("frame change %d, message change %d", f.Change, m.Change)
		}
		v.msgs[m.Seq] = canonical(m)
		rs := map[string][]string{}
		for _, r := range m.Reactions {
			rs[r.Emoji] = slices.Sorted(slices.Values(r.UserIDs))
		}
		v.reactions[m.Seq] = rs
	case typeMessageDeleted:
		m := f.msg()
		if !m.Deleted || m.Seq != f.Seq {
			t.Fatalf("message_deleted frame without its tombstone: %+v %s", f, f.Message)
		}
		v.msgs[f.Seq] = canonical(m)
		v.reactions[f.Seq] = map[string][]string{}
	case typeReaction:
		rs := v.reactions[f.Seq]
		users := slices.DeleteFunc(rs[f.Emoji], func(id string) bool { return id == f.UserID })
		if f.Added {
			users = append(users, f.UserID)
		}
		slices.Sort(users)
		if len(users) != f.Count {
			t.Fatalf("reaction frame count %d, the view has %v", f.Count, users)
		}
		if len(users) == 0 {
			delete(rs, f.Emoji)
		} else {
			rs[f.Emoji] = users
		}
	default:
		t.Fatalf("unexpected %s frame", f.Type)
	}
}

// read applies frames until the view reaches change last.
func (v *view) read(t *testing.T, cl *client, last int64) {
	t.Helper()
	for v.lastChange < last {
		v.apply(t, cl.next(typePresence, typeTyping, typeAck, typeHello, typeRoomAdded, typeRoomUpdated, typeRead))
	}
}

// same fails unless the view is the room as the server has it.
func (v *view) same(t *testing.T, e *env, room string) {
	t.Helper()
	p, err := e.svc.RoomMessages(bg(), room, chat.MessageQuery{Limit: chat.PageMaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	want, wantR := map[int64]string{}, map[int64]map[string][]string{}
	for _, m := range p.Messages {
		want[m.Seq] = canonical(m)
		rs := map[string][]string{}
		for _, r := range m.Reactions {
			rs[r.Emoji] = slices.Sorted(slices.Values(r.UserIDs))
		}
		wantR[m.Seq] = rs
	}
	if !maps.Equal(v.msgs, want) {
		t.Fatalf("view %v\nserver %v", v.msgs, want)
	}
	for seq, rs := range wantR {
		if !maps.EqualFunc(v.reactions[seq], rs, slices.Equal) {
			t.Fatalf("reactions of %d: view %v, server %v", seq, v.reactions[seq], rs)
		}
	}
}

// changer makes random changes to a room as bob and carol.
type changer struct {
	e    *env
	room string
	rnd  *rand.Rand
	n    atomic.Int64
}

func (ch *changer) step(t *testing.T) {
	e, ctx := ch.e, bg()
	author := []string{"bob", "carol"}[ch.rnd.IntN(2)]
	u := e.user(author)
	last, err := e.svc.LastSeq(ctx, ch.room)
	if err != nil {
		t.Error(err)
		return
	}
	seq := 1 + ch.rnd.Int64N(max(last, 1))
	switch k := ch.rnd.IntN(10); {
	case k < 3 || last == 0:
		_, _, err = e.svc.Post(ctx, u, chat.Post{RoomID: ch.room, Body: fmt.Sprint("post ", ch.n.Add(1))})
	case k < 4:
		_, _, err = e.svc.Post(ctx, u, chat.Post{RoomID: ch.room, Body: fmt.Sprint("reply ", ch.n.Add(1)), ReplyTo: &seq})
	case k < 6:
		err = e.svc.React(ctx, u, ch.room, seq, []string{"👍", ":tada:", "🎉"}[ch.rnd.IntN(3)], ch.rnd.IntN(3) > 0)
	case k < 8:
		_, err = e.svc.EditMessage(ctx, u, ch.room, seq, fmt.Sprint("edit ", ch.n.Add(1)))
	default:
		err = e.svc.DeleteMessage(ctx, u, ch.room, seq)
	}
	// Another's message (403), a deleted one (404) or a reply to a reply
	// (422) is part of the game.
	if code := chat.ErrorCode(err); err != nil && code != chat.EFORBIDDEN && code != chat.ENOTFOUND && code != chat.EINVALID {
		t.Error(err)
	}
}

func changesEnv(t *testing.T, o envOpts) (*env, string) {
	e := newEnv(t, o)
	e.signUp("alice", "bob", "carol")
	return e, e.room("general")
}

// TestChangeFramesLive: each kind of change reaches a subscriber as its
// frame, numbered one after the other.
func TestChangeFramesLive(t *testing.T) {
	e, room := changesEnv(t, envOpts{})
	c := e.dial("alice", dialOpts{})
	if s := c.subscribe(room, nil); s.LastChange != 0 {
		t.Fatalf("subscribed = %+v", s)
	}
	bob := e.user("bob")
	e.post(room, "bob", "one")
	if _, err := e.svc.EditMessage(bg(), bob, room, 1, "one, edited"); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.React(bg(), bob, room, 1, "👍", true); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.Post(bg(), bob, chat.Post{RoomID: room, Body: "a reply", ReplyTo: new(int64(1))}); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.DeleteMessage(bg(), bob, room, 1); err != nil {
		t.Fatal(err)
	}
	want := []string{"message 1 one", "message_updated 2 one, edited", "reaction 3 👍 1 true",
		"message 4 a reply (reply to 1)", "message_updated 5 one, edited (1 replies)", "message_deleted 6 1"}
	for i, w := range want {
		f := c.next(typePresence, typeTyping, typeRoomAdded, typeRoomUpdated, typeRead)
		got := fmt.Sprintf("%s %d ", f.Type, f.Change)
		switch f.Type {
		case typeMessage, typeMessageUpdated:
			m := f.msg()
			got += m.Body
			if m.ReplyTo != 0 {
				got += fmt.Sprintf(" (reply to %d)", m.ReplyTo)
			}
			if m.ReplyCount != 0 {
				got += fmt.Sprintf(" (%d replies)", m.ReplyCount)
			}
		case typeReaction:
			got += fmt.Sprintf("%s %d %v", f.Emoji, f.Count, f.Added)
		case typeMessageDeleted:
			got += fmt.Sprint(f.Seq)
		}
		if got != w {
			t.Errorf("frame %d: %q, want %q", i, got, w)
		}
	}
	c.quiet(50*time.Millisecond, typeMessage)
}

// TestResumeAfterChange: a client that was away while posts, edits,
// deletions and reactions went on, and that resumes with after_change
// while they go on, ends with exactly the server's state, every change
// once and in order.
func TestResumeAfterChange(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    envOpts
	}{
		{"store and hub", envOpts{}},
		{"lost publishes", envOpts{cfg: Config{GapWait: 5 * time.Millisecond}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var lossy *lossyPubSub
			if tc.name == "lost publishes" {
				mps := memory.NewPubSub()
				t.Cleanup(func() { _ = mps.Close() })
				lossy = &lossyPubSub{PubSub: mps}
				lossy.every.Store(7)
				tc.o.ps = lossy
			}
			e, room := changesEnv(t, tc.o)
			ch := &changer{e: e, room: room, rnd: rand.New(rand.NewPCG(1, 2))}
			v := newView()
			c := e.dial("alice", dialOpts{})
			c.subscribe(room, ptr(int64(0)))
			// nudge makes a change whose publish is not lost, after the others:
			// a lost publish is only noticed when a later change arrives.
			nudge := func() {
				if lossy != nil {
					every := lossy.every.Swap(0) // no change is published meanwhile (presence may be)
					defer lossy.every.Store(every)
				}
				e.post(room, "bob", "nudge")
			}
			for range 30 {
				ch.step(t)
			}
			nudge()
			head, _ := e.svc.Head(bg(), room)
			last := head.LastChange
			v.read(t, c, last)
			v.same(t, e, room)
			_ = c.c.CloseNow()
			for range 60 { // while away
				ch.step(t)
			}
			stop := make(chan struct{})
			var wg sync.WaitGroup
			wg.Go(func() { // and while it comes back
				for {
					select {
					case <-stop:
						return
					default:
						ch.step(t)
					}
				}
			})
			c2 := e.dial("alice", dialOpts{})
			c2.send(M{"type": "subscribe", "room_id": room, "after_change": v.lastChange})
			if s := c2.expect(typeSubscribed); s.Truncated || s.LastChange < last {
				t.Fatalf("subscribed = %+v", s)
			}
			time.Sleep(50 * time.Millisecond)
			close(stop)
			wg.Wait()
			nudge()
			head, _ = e.svc.Head(bg(), room)
			last = head.LastChange
			v.read(t, c2, last)
			v.same(t, e, room)
			c2.quiet(50*time.Millisecond, typeMessage)
		})
	}
}

// TestAfterChangeTruncated: past CatchUpMax changes, nothing is replayed
// and subscribed says truncated (the client reloads the latest page);
// live changes follow.
func TestAfterChangeTruncated(t *testing.T) {
	e, room := changesEnv(t, envOpts{svcCfg: chat.ServiceConfig{CatchUpMax: 5}})
	for i := range 8 {
		e.post(room, "bob", fmt.Sprint("m", i))
	}
	c := e.dial("alice", dialOpts{})
	c.send(M{"type": "subscribe", "room_id": room, "after_change": 1})
	s := c.expect(typeSubscribed)
	if !s.Truncated || s.LastChange != 8 || s.LastSeq != 8 {
		t.Fatalf("subscribed = %+v", s)
	}
	e.post(room, "bob", "live")
	if f := c.expect(typeMessage); f.Change != 9 {
		t.Fatalf("live frame %+v", f)
	}
	c2 := e.dial("alice", dialOpts{})
	c2.send(M{"type": "subscribe", "room_id": room, "after_change": 5})
	s = c2.expect(typeSubscribed)
	if s.Truncated || s.LastChange != 9 {
		t.Fatalf("subscribed within the bound = %+v", s)
	}
	var got []string
	for range 4 {
		f := c2.expect(typeMessage)
		got = append(got, fmt.Sprint(f.Change))
	}
	if strings.Join(got, " ") != "6 7 8 9" {
		t.Fatalf("replay %v", got)
	}
}

// laggingCache is the in-process cache whose write-through of one message
// has not landed (no error: the writer does not know).
type laggingCache struct {
	chat.Cache
	skip atomic.Bool
}

func (c *laggingCache) AddMessage(ctx context.Context, m chat.Message) error {
	if c.skip.Swap(false) {
		return nil
	}
	return c.Cache.AddMessage(ctx, m)
}

// TestAfterSeqWithLaggingCache: a catch-up by seq whose cache does not yet
// hold the newest message gets it from the store: it is not lost between
// the replay and the live stream.
func TestAfterSeqWithLaggingCache(t *testing.T) {
	cache := &laggingCache{Cache: memory.NewCache(memory.CacheConfig{})}
	e, room := changesEnv(t, envOpts{cache: cache})
	e.post(room, "bob", "one")
	e.post(room, "bob", "two")
	if _, err := e.svc.RoomMessages(bg(), room, chat.MessageQuery{}); err != nil { // fills the cache
		t.Fatal(err)
	}
	cache.skip.Store(true)
	e.post(room, "bob", "three") // committed and published; the cache does not have it yet
	c := e.dial("alice", dialOpts{})
	if s := c.subscribe(room, ptr(int64(2))); s.LastSeq != 3 {
		t.Fatalf("subscribed = %+v", s)
	}
	e.post(room, "bob", "four")
	checkSeqs(t, "replay and live", c.messages(room, 2), 3, 4)
	c.quiet(50*time.Millisecond, typeMessage)
}

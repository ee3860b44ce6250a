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
)

// Messages posted over "HTTP" (svc.Post) from several goroutines and
// over `send` reach every subscriber, the sender included, once each and in
// seq order.
func TestDeliveryExactlyOnceInOrder(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.signUp("alice", "bob", "carol")
	room := e.room("general")
	a1, a2, b := e.dial("alice", dialOpts{}), e.dial("alice", dialOpts{}), e.dial("bob", dialOpts{})
	for _, c := range []*client{a1, a2, b} {
		h := c.expect(typeHello)
		if h.Instance == "" || len(h.User) == 0 {
			t.Fatalf("hello = %+v", h)
		}
		if s := c.subscribe(room, nil); s.LastSeq != 0 || s.RoomID != room {
			t.Fatalf("subscribed = %+v", s)
		}
	}
	const httpPosts, wsSends = 30, 10
	var wg sync.WaitGroup
	for g := range 3 {
		wg.Go(func() {
			for i := range httpPosts / 3 {
				e.post(room, "carol", fmt.Sprintf("http %d-%d", g, i))
			}
		})
	}
	for i := range wsSends {
		a1.send(M{"type": "send", "room_id": room, "body": fmt.Sprintf("ws %d", i), "client_id": fmt.Sprintf("c-%d", i)})
	}
	wg.Wait()
	for name, c := range map[string]*client{"alice1": a1, "alice2": a2, "bob": b} {
		checkSeqs(t, name, c.messages(room, httpPosts+wsSends), 1, httpPosts+wsSends)
		c.quiet(50*time.Millisecond, typeMessage)
	}
	if got := e.metrics.delivered.Load(); got < 3*(httpPosts+wsSends) {
		t.Errorf("MessagesDelivered = %d, want >= %d", got, 3*(httpPosts+wsSends))
	}
}

// The sender gets an ack and the message frame; a retried client_id is
// acknowledged with the first message and not delivered again.
func TestSendAckAndRetry(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.signUp("alice")
	room := e.room("general")
	c := e.dial("alice", dialOpts{})
	c.expect(typeHello)
	c.subscribe(room, nil)
	send := M{"type": "send", "room_id": room, "body": "hello", "client_id": "k1"}
	c.send(send)
	var ack1 frame
	gotMsg := 0
	for range 2 { // ack and message, in either order
		switch f := c.next(typePresence, typeRoomAdded); f.Type {
		case typeAck:
			ack1 = f
		case typeMessage:
			gotMsg++
		default:
			t.Fatalf("unexpected %+v", f)
		}
	}
	if gotMsg != 1 || ack1.ClientID != "k1" || ack1.msg().Seq != 1 || ack1.msg().Body != "hello" {
		t.Fatalf("ack = %+v %s, messages %d", ack1, ack1.Message, gotMsg)
	}
	c.send(send) // retry
	ack2 := c.expect(typeAck)
	if ack2.msg().ID != ack1.msg().ID || ack2.msg().Seq != 1 {
		t.Fatalf("retry acked with %s, want the first message %s", ack2.Message, ack1.Message)
	}
	e.post(room, "alice", "marker")
	if m := c.messages(room, 1)[0]; m.Body != "marker" || m.Seq != 2 {
		t.Fatalf("after a retry got %+v, want the marker (seq 2): the retry was delivered again", m)
	}
}

// A client that misses 100 messages resubscribes with after_seq while
// others keep posting: exactly those 100, then the live ones, no gap or dup.
func TestCatchUpWhilePosting(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.signUp("alice", "bob")
	room := e.room("general")
	c := e.dial("alice", dialOpts{})
	c.subscribe(room, nil)
	for i := range 5 {
		e.post(room, "bob", fmt.Sprint("before ", i))
	}
	seen := c.messages(room, 5)
	checkSeqs(t, "first", seen, 1, 5)
	_ = c.c.CloseNow()
	for i := range 100 {
		e.post(room, "bob", fmt.Sprint("missed ", i))
	}
	stop, posted := make(chan struct{}), atomic.Int64{}
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			e.post(room, "bob", fmt.Sprint("live ", i))
			posted.Add(1)
		}
	})
	waitFor(t, "live posts", func() bool { return posted.Load() > 3 })
	c2 := e.dial("alice", dialOpts{})
	s := c2.subscribe(room, ptr(seen[4].Seq))
	if s.Truncated || s.LastSeq < 105 {
		t.Fatalf("subscribed = %+v", s)
	}
	got := c2.messages(room, 100)
	checkSeqs(t, "replay", got, 6, 105)
	waitFor(t, "more live posts", func() bool { return posted.Load() > 20 })
	close(stop)
	wg.Wait()
	total := 105 + posted.Load()
	rest := c2.messages(room, int(total-105))
	checkSeqs(t, "live", rest, 106, total)
	c2.quiet(50*time.Millisecond, typeMessage)
}

// More missed than CatchUpMax: the newest CatchUpMax and truncated=true.
func TestCatchUpTruncated(t *testing.T) {
	e := newEnv(t, envOpts{svcCfg: chat.ServiceConfig{CatchUpMax: 10}})
	e.signUp("alice")
	room := e.room("general")
	for i := range 30 {
		e.post(room, "alice", fmt.Sprint("m", i))
	}
	c := e.dial("alice", dialOpts{})
	s := c.subscribe(room, ptr(int64(2)))
	if !s.Truncated || s.LastSeq != 30 {
		t.Fatalf("subscribed = %+v, want truncated with last_seq 30", s)
	}
	checkSeqs(t, "replay", c.messages(room, 10), 21, 30)
	// Within the bound: not truncated.
	c2 := e.dial("alice", dialOpts{})
	if s := c2.subscribe(room, ptr(int64(25))); s.Truncated || s.LastSeq != 30 {
		t.Fatalf("subscribed = %+v", s)
	}
	checkSeqs(t, "replay", c2.messages(room, 5), 26, 30)
	// Up to date: nothing replayed, then live.
	c3 := e.dial("alice", dialOpts{})
	c3.subscribe(room, ptr(int64(30)))
	e.post(room, "alice", "new")
	checkSeqs(t, "live", c3.messages(room, 1), 31, 31)
}

// lossyPubSub drops publishes on demand and lets the test fire OnResync, as
// a broker outage would.
type lossyPubSub struct {
	chat.PubSub
	drop     atomic.Int64 // publishes of messages still to drop
	every    atomic.Int64 // if set, also drop every every-th change publish (presence publishes read it any time)
	n        atomic.Int64
	mu       sync.Mutex
	onResync []func()
}

func (l *lossyPubSub) Publish(ctx context.Context, ch string, p []byte) error {
	ev, _ := chat.DecodeEvent(p)
	if ev.Type == chat.EventMessage && l.drop.Add(-1) >= 0 {
		return nil
	}
	if every := l.every.Load(); every > 0 && ev.Change > 0 && l.n.Add(1)%every == 0 {
		return nil
	}
	return l.PubSub.Publish(ctx, ch, p)
}

func (l *lossyPubSub) OnResync(f func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.onResync = append(l.onResync, f)
	l.PubSub.OnResync(f)
}

func (l *lossyPubSub) resync() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, f := range l.onResync {
		f()
	}
}

// A lost publish is recovered from the store when the next message shows a
// gap; publishes lost in an outage are recovered on resync.
func TestGapAndResync(t *testing.T) {
	mps := memory.NewPubSub()
	t.Cleanup(func() { _ = mps.Close() })
	lossy := &lossyPubSub{PubSub: mps}
	e := newEnv(t, envOpts{ps: lossy, cfg: Config{GapWait: 10 * time.Millisecond}})
	e.signUp("alice")
	room := e.room("general")
	c := e.dial("alice", dialOpts{})
	c.subscribe(room, nil)
	e.post(room, "alice", "one")
	lossy.drop.Store(1)
	e.post(room, "alice", "two (publish lost)")
	e.post(room, "alice", "three")
	checkSeqs(t, "gap", c.messages(room, 3), 1, 3)

	lossy.drop.Store(5) // an outage: nothing reaches the hub
	for i := range 5 {
		e.post(room, "alice", fmt.Sprint("outage ", i))
	}
	c.quiet(50*time.Millisecond, typeMessage)
	lossy.resync()
	checkSeqs(t, "resync", c.messages(room, 5), 4, 8)
	e.post(room, "alice", "after")
	checkSeqs(t, "after", c.messages(room, 1), 9, 9)
	c.quiet(50*time.Millisecond, typeMessage)
}

package ws

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/redis"
	"github.com/open-chat/openchat/internal/redis/redistest"
)

// Two instances on one database and one Redis act as one server: a client
// on A receives, once each and in order, messages posted over HTTP on B and
// over WebSocket on A; presence, typing and changes to the room cross
// instances too.
func TestTwoInstancesOverRedis(t *testing.T) {
	url, prefix := redistest.URL(t)
	st := openStore(t)
	instance := func(id string) *env {
		rc, err := redis.Open(bg(), url, redis.Options{Prefix: prefix, InstanceID: id}, testLog(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = rc.Close() })
		e := newEnv(t, envOpts{store: st, ps: rc.PubSub(), pr: rc.Presence(), cache: rc.Cache(),
			cfg: Config{InstanceID: id, PresenceDebounce: 30 * time.Millisecond}})
		e.signUp("alice", "bob")
		return e
	}
	a, b := instance("a"), instance("b")
	room := a.room("general")
	ca := a.dial("alice", dialOpts{})
	if h := ca.expect(typeHello); h.Instance != "a" {
		t.Fatalf("hello = %+v", h)
	}
	ca.subscribe(room, nil)
	cb := b.dial("bob", dialOpts{})
	cb.subscribe(room, nil)
	waitPresence(t, ca, room, 2) // bob, connected to B, is online for A

	const n = 10
	for i := range n {
		b.post(room, "bob", fmt.Sprint("from B over HTTP ", i))
	}
	for i := range n {
		ca.send(M{"type": "send", "room_id": room, "body": fmt.Sprint("from A over WS ", i), "client_id": fmt.Sprint("a-", i)})
	}
	checkSeqs(t, "client on A", ca.messages(room, 2*n), 1, 2*n)
	checkSeqs(t, "client on B", cb.messages(room, 2*n), 1, 2*n)

	cb.send(M{"type": "typing", "room_id": room})
	for {
		if f := ca.next(typePresence, typeMessage, typeAck); f.Type == typeTyping && f.userRef().Username == "bob" {
			break
		}
	}
	// A client that reconnects to the other instance catches up there.
	_ = ca.c.CloseNow()
	b.post(room, "bob", "while away")
	cb2 := b.dial("alice", dialOpts{})
	cb2.subscribe(room, ptr(int64(2*n)))
	checkSeqs(t, "reconnected on B", cb2.messages(room, 1), 2*n+1, 2*n+1)

	// An admin archives the room on B: a subscriber on A hears of it.
	ca2 := a.dial("bob", dialOpts{})
	ca2.subscribe(room, nil)
	if _, err := b.svc.SetArchived(bg(), b.user("alice"), room, true); err != nil {
		t.Fatal(err)
	}
	var got chat.Room
	if f := ca2.expect(typeRoomChanged); json.Unmarshal(f.Room, &got) != nil || got.ID != room || got.ArchivedAt == nil {
		t.Fatalf("room_changed on A = %s", f.Room)
	}
}

package main

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/postgres"
	"github.com/open-chat/openchat/internal/postgres/pgtest"
	"github.com/open-chat/openchat/internal/redis/redistest"
)

// cluster starts n instances on one fresh PostgreSQL database and one Redis
// key prefix.
func cluster(t *testing.T, n int, redisURL, prefix string) (string, []*server) {
	t.Helper()
	db := pgtest.NewDatabase(t)
	var srvs []*server
	for i := range n {
		srvs = append(srvs, startServer(t, "--database-url", db, "--redis-url", redisURL, "--redis-prefix", prefix,
			"--instance-id", fmt.Sprintf("node-%d", i)))
	}
	return db, srvs
}

// TestTwoInstancesRealtime: a client on A receives, in order and once each,
// messages posted over HTTP on B and over WebSocket on A; a client that
// drops, misses 100 and resubscribes on B gets exactly those, then live ones.
func TestTwoInstancesRealtime(t *testing.T) {
	redisURL, prefix := redistest.URL(t)
	_, srvs := cluster(t, 2, redisURL, prefix)
	a, b := srvs[0], srvs[1]
	ada := signUp(t, a.URL, "ada")
	bob := signUp(t, b.URL, "bob")
	var room roomResp
	ada.must(201, "POST", "/api/v1/rooms", map[string]string{"name": "two"}, &room)
	path := "/api/v1/rooms/" + room.Room.ID + "/messages"

	watcher := dialWS(t, a.URL, ada.token)
	if f := watcher.subscribe(room.Room.ID, nil); f.LastSeq != 0 {
		t.Fatalf("subscribed last_seq %d", f.LastSeq)
	}
	sender := dialWS(t, a.URL, ada.token)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := range 80 {
			bob.must(201, "POST", path, map[string]string{"body": fmt.Sprintf("http %d", i)}, nil)
		}
	}()
	go func() {
		defer wg.Done()
		for i := range 20 { // within the per-connection send burst
			sender.send(map[string]any{"type": "send", "room_id": room.Room.ID, "body": fmt.Sprintf("ws %d", i), "client_id": fmt.Sprintf("c%d", i)})
		}
	}()
	wg.Wait()
	for range 20 {
		if f := sender.next("ack"); f.Message == nil || f.Message.Seq == 0 {
			t.Fatalf("bad ack %+v", f)
		}
	}
	got := watcher.messages(1, 100)
	select {
	case f := <-watcher.C:
		if f.Type == "message" {
			t.Fatalf("extra message %+v", f.Message)
		}
	case <-time.After(300 * time.Millisecond):
	}
	// A retried send is acknowledged with the first message and not delivered again.
	sender.send(map[string]any{"type": "send", "room_id": room.Room.ID, "body": "ws 0", "client_id": "c0"})
	if f := sender.next("ack"); f.Message.ID == "" {
		t.Fatal("retry not acked")
	}

	// Catch-up on the other instance while posts continue.
	watcher.close()
	last := got[len(got)-1].Seq
	for i := range 100 {
		bob.must(201, "POST", path, map[string]string{"body": fmt.Sprintf("missed %d", i)}, nil)
	}
	stop := make(chan struct{})
	posted := make(chan int)
	go func() {
		n := 0
		defer func() { posted <- n }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			ada.must(201, "POST", path, map[string]string{"body": "live"}, nil)
			n++
		}
	}()
	again := dialWS(t, b.URL, ada.token)
	if f := again.subscribe(room.Room.ID, &last); f.Truncated {
		t.Fatal("catch-up of 100 truncated")
	}
	again.messages(last+1, 150)
	close(stop)
	n := <-posted
	if n < 50 {
		again.messages(last+151, 100+n-150)
	}
}

// TestCacheAcrossInstances: concurrent posts on both instances leave every
// instance's latest page equal to the database's; a room created on A is
// listed by B at once.
func TestCacheAcrossInstances(t *testing.T) {
	redisURL, prefix := redistest.URL(t)
	db, srvs := cluster(t, 2, redisURL, prefix)
	a, b := signUp(t, srvs[0].URL, "ann"), signUp(t, srvs[1].URL, "ben")
	var rooms struct{ Rooms []chat.Room }
	b.must(200, "GET", "/api/v1/rooms", nil, &rooms) // fills the cached list
	var room roomResp
	a.must(201, "POST", "/api/v1/rooms", map[string]string{"name": "fresh"}, &room)
	b.must(200, "GET", "/api/v1/rooms", nil, &rooms)
	if len(rooms.Rooms) != 1 || rooms.Rooms[0].ID != room.Room.ID {
		t.Fatalf("B lists %+v right after A created %s", rooms.Rooms, room.Room.ID)
	}
	path := "/api/v1/rooms/" + room.Room.ID + "/messages"
	var wg sync.WaitGroup
	for _, c := range []*client{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				c.must(201, "POST", path, map[string]string{"body": fmt.Sprintf("m%d", i)}, nil)
				if i%10 == 0 {
					c.must(200, "GET", path, nil, nil) // reads race the writes
				}
			}
		}()
	}
	wg.Wait()
	st, err := postgres.Open(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	want, err := st.Messages(context.Background(), room.Room.ID, chat.MessageQuery{Limit: 50})
	if err != nil || len(want) != 50 || want[49].Seq != 200 {
		t.Fatalf("database latest: %d messages, err %v", len(want), err)
	}
	for i, c := range []*client{a, b} {
		var p pageResp
		c.must(200, "GET", path, nil, &p)
		if !reflect.DeepEqual(ids(p.Messages), ids(want)) {
			t.Fatalf("instance %d latest page differs from the database", i)
		}
	}
}

func ids(ms []chat.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = fmt.Sprintf("%d:%s", m.Seq, m.ID)
	}
	return out
}

// TestRedisOutage: with Redis stopped the API answers from the database;
// when Redis returns, delivery and caching resume and nothing is lost.
func TestRedisOutage(t *testing.T) {
	redisURL, stopRedis, startRedis := redistest.StartServer(t)
	_, srvs := cluster(t, 1, redisURL, "outage:")
	ada := signUp(t, srvs[0].URL, "ada")
	var room roomResp
	ada.must(201, "POST", "/api/v1/rooms", map[string]string{"name": "outage"}, &room)
	path := "/api/v1/rooms/" + room.Room.ID + "/messages"
	ws := dialWS(t, srvs[0].URL, ada.token)
	ws.subscribe(room.Room.ID, nil)
	for i := range 10 {
		ada.must(201, "POST", path, map[string]string{"body": fmt.Sprintf("before %d", i)}, nil)
	}
	ws.messages(1, 10)

	stopRedis()
	for i := range 10 {
		ada.must(201, "POST", path, map[string]string{"body": fmt.Sprintf("during %d", i)}, nil)
	}
	var p pageResp
	ada.must(200, "GET", path, nil, &p)
	if len(p.Messages) != 20 || p.Messages[19].Seq != 20 {
		t.Fatalf("during outage: %d messages", len(p.Messages))
	}
	var rooms struct{ Rooms []chat.Room }
	ada.must(200, "GET", "/api/v1/rooms", nil, &rooms)

	startRedis()
	// The connection may or may not have survived; either way, after
	// resubscribing with after_seq the client has every message once.
	time.Sleep(2 * time.Second)
	for i := range 10 {
		ada.must(201, "POST", path, map[string]string{"body": fmt.Sprintf("after %d", i)}, nil)
	}
	ws2 := dialWS(t, srvs[0].URL, ada.token)
	after := int64(10)
	ws2.subscribe(room.Room.ID, &after)
	ws2.messages(11, 20)
	ada.must(200, "GET", path, nil, &p)
	if len(p.Messages) != 30 || p.Messages[29].Seq != 30 {
		t.Fatalf("after outage: %d messages", len(p.Messages))
	}
}

// TestSessionRevocationAcrossInstances: sessions are cached per instance,
// so a sign-out and a profile change on A must evict B's copy at once.
func TestSessionRevocationAcrossInstances(t *testing.T) {
	redisURL, prefix := redistest.URL(t)
	_, srvs := cluster(t, 2, redisURL, prefix)
	ada := signUp(t, srvs[0].URL, "ada")
	onB := &client{t: t, base: srvs[1].URL, token: ada.token}
	onB.must(200, "GET", "/api/v1/me", nil, nil) // B caches the session
	name := "Ada L."
	ada.must(200, "PATCH", "/api/v1/me", map[string]any{"display_name": name}, nil)
	waitFor(t, func() bool {
		var me struct{ User chat.User }
		onB.must(200, "GET", "/api/v1/me", nil, &me)
		return me.User.DisplayName == name
	})
	ada.must(204, "DELETE", "/api/v1/sessions/current", nil, nil)
	waitFor(t, func() bool { return onB.do("GET", "/api/v1/me", nil).Status == 401 })
}

// waitFor polls cond for up to 2 s: cross-instance evictions travel over
// pub/sub and land within milliseconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 2s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestMembershipAcrossInstances: a member removed on A stops receiving the
// room on B at once and B answers 404 from then on; a member invited on A
// subscribes on B at once.
func TestMembershipAcrossInstances(t *testing.T) {
	redisURL, prefix := redistest.URL(t)
	_, srvs := cluster(t, 2, redisURL, prefix)
	a, b := srvs[0], srvs[1]
	ada, bob, cy := signUp(t, a.URL, "ada"), signUp(t, b.URL, "bob"), signUp(t, b.URL, "cy")
	idOf := func(c *client) string {
		var me struct{ User chat.User }
		c.must(200, "GET", "/api/v1/me", nil, &me)
		return me.User.ID
	}
	var room roomResp
	ada.must(201, "POST", "/api/v1/rooms", map[string]string{"name": "secret", "visibility": "private"}, &room)
	roomPath := "/api/v1/rooms/" + room.Room.ID
	ada.must(204, "PUT", roomPath+"/members/"+idOf(bob), nil, nil)

	bobWS := dialWS(t, b.URL, bob.token)
	bobWS.subscribe(room.Room.ID, nil)
	bob.must(200, "GET", roomPath, nil, nil) // B now caches bob's membership
	ada.must(201, "POST", roomPath+"/messages", map[string]string{"body": "one"}, nil)
	bobWS.messages(1, 1)

	ada.must(204, "DELETE", roomPath+"/members/"+idOf(bob), nil, nil)
	if f := bobWS.next("removed"); f.RoomID != room.Room.ID {
		t.Fatalf("removed frame = %+v", f)
	}
	if r := bob.do("GET", roomPath, nil); r.Status != 404 {
		t.Fatalf("bob on B after removal: %d", r.Status)
	}
	ada.must(201, "POST", roomPath+"/messages", map[string]string{"body": "two"}, nil)
	select {
	case f := <-bobWS.C:
		t.Fatalf("bob got %+v after removal", f)
	case <-time.After(300 * time.Millisecond):
	}

	ada.must(204, "PUT", roomPath+"/members/"+idOf(cy), nil, nil)
	cyWS := dialWS(t, b.URL, cy.token)
	if f := cyWS.subscribe(room.Room.ID, ptrTo[int64](0)); f.LastSeq != 2 {
		t.Fatalf("cy subscribed = %+v", f)
	}
	cyWS.messages(1, 2)
}

func ptrTo[T any](v T) *T { return &v }

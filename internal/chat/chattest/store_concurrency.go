package chattest

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// testConcurrentAppends is the load a busy server puts on AppendMessage:
// many goroutines posting into several rooms at once, every client id sent
// twice at the same moment, some messages mentioning a user and some aimed
// at a room that does not exist. Stores that commit appends in groups must
// still give each room seq 1..n without gaps, store each client id once
// (both senders get that one message), fail only the bad messages, and
// write every created message's mentions and notifications.
func testConcurrentAppends(t *testing.T, s chat.Store) {
	ctx := context.Background()
	const rooms, workers, each = 5, 24, 30
	ada, bob := newUser(t, s, "ada"), newUser(t, s, "bob")
	roomIDs := make([]string, rooms)
	for i := range rooms {
		roomIDs[i] = newRoom(t, s, ada, fmt.Sprintf("r%d", i)).ID
	}
	type result struct {
		m       chat.Message
		created bool
	}
	var mu sync.Mutex
	byKey := map[string][]result{} // client id → both answers
	var wg sync.WaitGroup
	for w := range workers {
		for i := range each {
			room := roomIDs[(w+i)%rooms]
			cid := fmt.Sprintf("w%d-%d", w, i)
			send := func(nm chat.NewMessage) {
				m, created, err := s.AppendMessage(ctx, nm)
				switch {
				case nm.RoomID == "missing":
					if chat.ErrorCode(err) != chat.ENOTFOUND {
						t.Errorf("%s to a missing room: %v, want ENOTFOUND", cid, err)
					}
				case err != nil:
					t.Errorf("%s: %v", cid, err)
				default:
					mu.Lock()
					byKey[nm.ClientID] = append(byKey[nm.ClientID], result{m, created})
					mu.Unlock()
				}
			}
			nm := chat.NewMessage{RoomID: room, Author: ada.Ref(), Body: cid, ClientID: cid}
			switch {
			case i%11 == 5:
				nm.RoomID = "missing"
			case i%3 == 0:
				nm.Body, nm.Mentions, nm.MentionUserIDs = cid+" @bob", []string{"bob"}, []string{bob.ID}
			}
			for range 2 { // the same client id twice, concurrently, with distinct message ids
				dup := nm
				dup.ID = chat.NewID()
				wg.Go(func() { send(dup) })
			}
		}
		if w%4 == 3 { // waves, so that some groups mix rooms and some hold both copies
			wg.Wait()
		}
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	created, mentioned := map[string]int{}, 0
	for cid, rs := range byKey {
		if len(rs) != 2 || rs[0].created == rs[1].created {
			t.Fatalf("%s: answers %+v, want one created and one not", cid, rs)
		}
		if rs[0].m.ID != rs[1].m.ID || rs[0].m.Seq != rs[1].m.Seq || !rs[0].m.CreatedAt.Equal(rs[1].m.CreatedAt.Time) {
			t.Fatalf("%s: the two senders got different messages: %+v", cid, rs)
		}
		created[rs[0].m.RoomID]++
		if len(rs[0].m.Mentions) > 0 {
			mentioned++
		}
	}
	for _, id := range roomIDs {
		ms, err := s.Messages(ctx, id, chat.MessageQuery{After: 0, Limit: workers * each})
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != created[id] {
			t.Fatalf("room %s: %d stored, %d created", id, len(ms), created[id])
		}
		CheckSeqs(t, id, ms)
		for _, m := range ms {
			if r := byKey[m.ClientID]; len(r) != 2 || r[0].m.ID != m.ID {
				t.Fatalf("room %s: stored %+v, answered %+v", id, m, r)
			}
		}
	}
	mns, err := s.Mentions(ctx, bob.ID, 0, workers*each)
	if err != nil || len(mns) != mentioned {
		t.Fatalf("bob has %d mentions (%v), want %d", len(mns), err, mentioned)
	}
	now := time.Now().Add(time.Hour)
	if _, err := s.FormBatches(ctx, now, 0); err != nil {
		t.Fatal(err)
	}
	bs, err := s.ClaimBatches(ctx, "test", now, time.Minute, 10)
	if err != nil || len(bs) != 1 || len(bs[0].Items) != mentioned {
		t.Fatalf("notifications: %d batches (%v), want one for bob with %d items", len(bs), err, mentioned)
	}
}

// BenchmarkStoreConcurrent measures AppendMessage as a loaded server calls
// it: about callers goroutines at once, each posting into one of rooms
// rooms. Stores that group concurrent appends into one transaction show it
// here, not in the sequential benchmark.
func BenchmarkStoreConcurrent(b *testing.B, newStore func(b *testing.B) chat.Store) {
	for _, rooms := range []int{100, 1} {
		b.Run(fmt.Sprintf("AppendMessage/callers=1000/rooms=%d", rooms), func(b *testing.B) {
			benchAppendConcurrent(b, newStore(b), 1000, rooms)
		})
	}
}

func benchAppendConcurrent(b *testing.B, s chat.Store, callers, rooms int) {
	ctx := context.Background()
	u, r := benchRoom(b, s, 0)
	roomIDs := []string{r.ID}
	for i := 1; i < rooms; i++ {
		r := chat.Room{ID: chat.NewID(), Name: fmt.Sprintf("bench%d", i), Visibility: chat.Public, CreatedBy: u.ID}
		if err := s.CreateRoom(ctx, r); err != nil {
			b.Fatal(err)
		}
		roomIDs = append(roomIDs, r.ID)
	}
	var mu sync.Mutex
	next := 0
	b.ReportAllocs()
	b.SetParallelism(max(1, callers/max(1, runtime.GOMAXPROCS(0))))
	b.RunParallel(func(pb *testing.PB) {
		mu.Lock()
		room := roomIDs[next%len(roomIDs)]
		next++
		mu.Unlock()
		for pb.Next() {
			id := chat.NewID() // a client_id on every message, as WebSocket clients send
			if _, _, err := s.AppendMessage(ctx, chat.NewMessage{ID: id, RoomID: room, Author: u.Ref(), Body: "hello, world", ClientID: id[24:]}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// TestAppendIsolation is for stores that commit appends in groups: it posts
// from many goroutines at once into one room, every fifth message
// mentioning a user id that does not exist (a foreign-key error inside the
// group's transaction). Only those fail; the others are stored with seq
// 1..n. An append whose ctx is already cancelled fails and stores nothing.
// The run must have grouped messages and replayed a failed group one by
// one, or it did not test what it is for.
func TestAppendIsolation(t *testing.T, s GroupingStore) {
	ctx := context.Background()
	ada := newUser(t, s, "ada")
	r := newRoom(t, s, ada, "general")
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := s.AppendMessage(cancelled, chat.NewMessage{ID: chat.NewID(), RoomID: r.ID, Author: ada.Ref(), Body: "never"}); err == nil {
		t.Fatal("append with a cancelled ctx succeeded")
	}
	const n = 200
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for i := range n {
		wg.Go(func() {
			nm := chat.NewMessage{ID: chat.NewID(), RoomID: r.ID, Author: ada.Ref(), Body: fmt.Sprint(i)}
			bad := i%5 == 0
			if bad {
				nm.Mentions, nm.MentionUserIDs = []string{"ghost"}, []string{chat.NewID()}
			}
			_, created, err := s.AppendMessage(ctx, nm)
			switch {
			case bad && err == nil:
				t.Errorf("message %d mentions a missing user and was stored", i)
			case !bad && (err != nil || !created):
				t.Errorf("message %d: created %v, %v", i, created, err)
			case !bad:
				mu.Lock()
				ok++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	ms, err := s.Messages(ctx, r.ID, chat.MessageQuery{After: 0, Limit: n + 1})
	if err != nil || len(ms) != ok || ok != n-n/5 {
		t.Fatalf("%d stored (%v), %d created, want %d", len(ms), err, ok, n-n/5)
	}
	for i, m := range ms {
		if m.Seq != int64(i+1) || m.Body == "never" {
			t.Fatalf("message %d = %+v", i, m)
		}
	}
	if s.Grouped() == 0 {
		t.Fatal("no transaction carried more than one message: the test did not exercise grouping")
	}
	if s.Fallbacks() == 0 {
		t.Fatal("no group fell back to single appends: the bad messages never shared a group")
	}
}

// CheckSeqs checks that a room's messages, oldest first, have seq 1..n
// and server timestamps that never go backwards.
func CheckSeqs(t *testing.T, roomID string, ms []chat.Message) {
	t.Helper()
	for i, m := range ms {
		if m.Seq != int64(i+1) {
			t.Fatalf("room %s: seq %d at position %d", roomID, m.Seq, i)
		}
		if i > 0 && m.CreatedAt.Before(ms[i-1].CreatedAt.Time) {
			t.Fatalf("room %s: created_at goes backwards at seq %d", roomID, m.Seq)
		}
	}
}

// GroupingStore is a store that commits concurrent appends in groups, with
// the counters its tests read.
type GroupingStore interface {
	chat.Store
	Grouped() int64   // appends that shared a transaction with another
	Fallbacks() int64 // groups replayed message by message after a failure
}

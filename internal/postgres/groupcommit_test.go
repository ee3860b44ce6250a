package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/chat/chattest"
	"github.com/open-chat/openchat/internal/postgres"
)

// TestGroupCommit posts from many goroutines into several rooms, with
// retried client ids and posts to an unknown room mixed in, so groups form
// and some must fall back to single appends: every valid message is stored
// once, every room's seq is 1..n, and the bad ones fail alone.
func TestGroupCommit(t *testing.T) {
	s := postgres.OpenTest(t)
	ctx := context.Background()
	author := chat.User{ID: chat.NewID(), Username: "grp", DisplayName: "grp", Email: "g@example.org", EmailNotifications: chat.NotifyAlways, PasswordHash: "x", CreatedAt: chat.NewTime(timeNow())}
	if err := s.CreateUser(ctx, author); err != nil {
		t.Fatal(err)
	}
	const rooms, workers, each = 4, 32, 40
	var roomIDs []string
	for i := range rooms {
		r := chat.Room{ID: chat.NewID(), Name: fmt.Sprintf("g%d", i), Visibility: chat.Public, CreatedBy: author.ID, CreatedAt: chat.NewTime(timeNow())}
		if err := s.CreateRoom(ctx, r); err != nil {
			t.Fatal(err)
		}
		roomIDs = append(roomIDs, r.ID)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	created := map[string]int{}
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				room := roomIDs[(w+i)%rooms]
				if i%13 == 0 { // unknown room: must fail alone, a client id every worker sends too
					_, _, err := s.AppendMessage(ctx, chat.NewMessage{ID: chat.NewID(), RoomID: "nope", Author: author.Ref(), Body: "x",
						ClientID: fmt.Sprint("nope-", i)})
					if chat.ErrorCode(err) != chat.ENOTFOUND {
						t.Errorf("unknown room: %v", err)
					}
					continue
				}
				cid := fmt.Sprintf("w%d-%d", w, i/2) // every client id is sent twice
				m, ok, err := s.AppendMessage(ctx, chat.NewMessage{ID: chat.NewID(), RoomID: room, Author: author.Ref(), Body: "b", ClientID: cid})
				if err != nil {
					t.Errorf("append: %v", err)
					return
				}
				mu.Lock()
				if ok {
					created[m.RoomID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for _, id := range roomIDs {
		msgs, err := s.Messages(ctx, id, chat.MessageQuery{After: 0, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != created[id] {
			t.Fatalf("room %s: %d stored, %d reported created", id, len(msgs), created[id])
		}
		chattest.CheckSeqs(t, id, msgs)
	}
	if s.Grouped() == 0 {
		t.Fatal("no group commit carried more than one message: the test did not exercise grouping")
	}
	if n := s.Fallbacks(); n != 0 {
		t.Fatalf("%d groups fell back to single appends; unknown rooms and retries must be answered inside the group", n)
	}
}

// TestGroupIsolation checks that a message failing inside a group (a
// foreign-key error) fails alone, and that a cancelled append stores nothing.
func TestGroupIsolation(t *testing.T) { chattest.TestAppendIsolation(t, postgres.OpenTest(t)) }

func timeNow() time.Time { return time.Now() }

package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/chat/chattest"
	"github.com/open-chat/openchat/internal/postgres"
	"github.com/open-chat/openchat/internal/postgres/pgtest"
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

// TestAppendNotBehindOtherRooms: while a room's row is locked elsewhere
// (a long transaction, another instance's commit), appends to every other
// room commit; only the locked room's wait, in order. With rooms hashed to
// a fixed set of committer queues, the rooms sharing the locked room's
// queue waited too; and with a second append of the locked room queued (a
// backlog, which other appends wait behind for a commit to end), they would
// all wait, but for the committer's Linger.
func TestAppendNotBehindOtherRooms(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	s, err := postgres.Open(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	author := chat.User{ID: chat.NewID(), Username: "lck", DisplayName: "lck", Email: "l@example.org", EmailNotifications: chat.NotifyAlways, PasswordHash: "x", CreatedAt: chat.NewTime(timeNow())}
	if err := s.CreateUser(ctx, author); err != nil {
		t.Fatal(err)
	}
	const others = 4 * postgres.Committers // in the old scheme one of them shared its queue with odds 1-(7/8)^32, 98.6 %
	var roomIDs []string
	for i := range others + 1 {
		r := chat.Room{ID: chat.NewID(), Name: fmt.Sprintf("l%d", i), Visibility: chat.Public, CreatedBy: author.ID, CreatedAt: chat.NewTime(timeNow())}
		if err := s.CreateRoom(ctx, r); err != nil {
			t.Fatal(err)
		}
		roomIDs = append(roomIDs, r.ID)
	}
	locked := roomIDs[0]
	other, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(ctx)
	tx, err := other.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT 1 FROM rooms WHERE id = $1 FOR UPDATE`, locked); err != nil {
		t.Fatal(err)
	}
	type answer struct {
		seq int64
		err error
	}
	blocked := make(chan answer, 2)
	appendLocked := func(body string) {
		m, _, err := s.AppendMessage(ctx, chat.NewMessage{ID: chat.NewID(), RoomID: locked, Author: author.Ref(), Body: body})
		blocked <- answer{m.Seq, err}
	}
	go appendLocked("first")
	for waiting := false; !waiting; { // the append holds its committer, waiting for the row lock
		if err := other.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock')`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	go appendLocked("second") // queues behind the first
	time.Sleep(50 * time.Millisecond)
	for _, id := range roomIDs[1:] {
		actx, cancel := context.WithTimeout(ctx, 5*time.Second)
		m, _, err := s.AppendMessage(actx, chat.NewMessage{ID: chat.NewID(), RoomID: id, Author: author.Ref(), Body: "goes"})
		cancel()
		if err != nil || m.Seq != 1 {
			t.Fatalf("append to another room while %s is locked: seq %d, %v", locked, m.Seq, err)
		}
	}
	select {
	case a := <-blocked:
		t.Fatalf("a locked room's append returned while its row was locked: %+v", a)
	default:
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	for want := range int64(2) {
		if a := <-blocked; a.err != nil || a.seq != want+1 {
			t.Fatalf("the locked room's appends, once unlocked: seq %d, %v; want %d", a.seq, a.err, want+1)
		}
	}
}

func timeNow() time.Time { return time.Now() }

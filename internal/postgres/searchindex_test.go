package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/chat/chattest"
	"github.com/open-chat/openchat/internal/postgres"
	"github.com/open-chat/openchat/internal/postgres/pgtest"
)

// searchFixture is a store on a fresh database, a connection of its own to
// look at the index, an author and rooms.
type searchFixture struct {
	t      *testing.T
	url    string
	s      *postgres.Store
	conn   *pgx.Conn
	author chat.User
	rooms  []string
}

func newSearchFixture(t *testing.T, rooms int) *searchFixture {
	t.Helper()
	ctx := context.Background()
	f := &searchFixture{t: t, url: pgtest.NewDatabase(t)}
	f.s = f.open()
	conn, err := pgx.Connect(ctx, f.url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(ctx) })
	f.conn = conn
	f.author = chat.User{ID: chat.NewID(), Username: "idx", DisplayName: "idx", Email: "i@example.org",
		EmailNotifications: chat.NotifyAlways, PasswordHash: "x", CreatedAt: chat.NewTime(timeNow())}
	if err := f.s.CreateUser(ctx, f.author); err != nil {
		t.Fatal(err)
	}
	for i := range rooms {
		r := chat.Room{ID: chat.NewID(), Name: fmt.Sprintf("idx%d", i), Visibility: chat.Public, CreatedBy: f.author.ID,
			CreatedAt: chat.NewTime(timeNow())}
		if err := f.s.CreateRoom(ctx, r); err != nil {
			t.Fatal(err)
		}
		f.rooms = append(f.rooms, r.ID)
	}
	return f
}

// open opens another store (another instance) on the fixture's database.
func (f *searchFixture) open() *postgres.Store {
	s, err := postgres.Open(context.Background(), f.url, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { _ = s.Close() })
	return s
}

func (f *searchFixture) post(room, body string) chat.Message {
	f.t.Helper()
	m, _, err := f.s.AppendMessage(context.Background(), chat.NewMessage{ID: chat.NewID(), RoomID: room, Author: f.author.Ref(), Body: body})
	if err != nil {
		f.t.Fatal(err)
	}
	return m
}

// stale counts the messages whose index row is missing, or not what
// indexing the message now would write (words, change number, place).
func (f *searchFixture) stale() int {
	f.t.Helper()
	var n int
	if err := f.conn.QueryRow(context.Background(), `SELECT count(*) FROM messages m LEFT JOIN message_search x ON x.id = m.id
		WHERE x.id IS NULL OR x.change <> m.change OR x.search <> openchat_search_words(m.body)
			OR (x.room_id, x.seq, x.author_id, x.created_at) <> (m.room_id, m.seq, m.author_id, m.created_at)`).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// TestSearchIndex: the append, an edit, a reaction and a delete write
// nothing to the search index; IndexSearch then indexes exactly the
// messages they wrote (of the rooms it is given, or all), after which the
// index holds what indexing every message now would, and a search sees
// each step.
func TestSearchIndex(t *testing.T) {
	ctx := context.Background()
	f := newSearchFixture(t, 2)
	a, b := f.rooms[0], f.rooms[1]
	var m1, m2 chat.Message
	steps := []struct {
		name    string
		do      func() error
		rooms   []string
		indexed int
		stale   int // left after IndexSearch (in rooms it was not given)
		search  string
		found   []string
	}{
		{name: "appends", do: func() error {
			m1, m2 = f.post(a, "Una canción vieja"), f.post(a, "another song")
			f.post(b, "la canción de b")
			return nil
		}, indexed: 3, search: "cancion", found: []string{"m1"}},
		{name: "edit, one room", do: func() error {
			_, err := f.s.EditMessage(ctx, chat.MessageEdit{RoomID: a, Seq: m1.Seq, Body: "edited: no tune"})
			f.post(b, "canción nueva")
			return err
		}, rooms: []string{a}, indexed: 1, stale: 1, search: "tune", found: []string{"m1"}},
		{name: "reaction", do: func() error {
			_, _, err := f.s.React(ctx, a, m2.Seq, f.author.ID, "👍", true)
			return err
		}, indexed: 1, search: "song", found: []string{"m2"}},
		{name: "delete", do: func() error {
			_, err := f.s.DeleteMessage(ctx, a, m2.Seq)
			return err
		}, indexed: 1, search: "song"},
		{name: "nothing new", indexed: 0, search: "tune", found: []string{"m1"}},
	}
	for _, st := range steps {
		if st.do != nil {
			if err := st.do(); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
		}
		before := f.stale()
		n, err := f.s.IndexSearch(ctx, st.rooms)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if n != st.indexed || before != st.indexed+st.stale {
			t.Errorf("%s: %d stale before, indexed %d; want %d indexed (and %d left)", st.name, before, n, st.indexed, st.stale)
		}
		if got := f.stale(); got != st.stale {
			t.Errorf("%s: %d stale after; want %d", st.name, got, st.stale)
		}
		ids := map[string]string{m1.ID: "m1", m2.ID: "m2"}
		var found []string
		for _, id := range chattest.SearchIDs(t, f.s, f.author.ID, st.search+" ") {
			if ids[id] != "" {
				found = append(found, ids[id])
			}
		}
		if !slices.Equal(found, st.found) {
			t.Errorf("%s: %q found %v in room a; want %v", st.name, st.search, found, st.found)
		}
		if got := f.stale(); got != 0 {
			t.Errorf("%s: %d stale after a search; want 0 (a search indexes first)", st.name, got)
		}
	}
}

// TestSearchIndexConcurrent: indexers of two instances and searches run
// while messages are appended, edited and reacted to; no message is left
// behind a mark, nor indexed at an older change.
func TestSearchIndexConcurrent(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newSearchFixture(t, 4)
	other := f.open()
	var bg sync.WaitGroup
	for _, s := range []*postgres.Store{f.s, other} {
		bg.Go(func() { s.RunSearchIndexer(ctx, time.Millisecond) })
		bg.Go(func() {
			for ctx.Err() == nil {
				if _, err := s.IndexSearch(ctx, nil); err != nil && ctx.Err() == nil {
					t.Errorf("index: %v", err)
				}
			}
		})
	}
	var writers sync.WaitGroup
	for w := range 8 {
		writers.Go(func() {
			for i := range 60 {
				room := f.rooms[(w+i)%len(f.rooms)]
				m, _, err := f.s.AppendMessage(ctx, chat.NewMessage{ID: chat.NewID(), RoomID: room, Author: f.author.Ref(), Body: fmt.Sprint("word", i)})
				if err == nil && i%3 == 0 {
					_, err = other.EditMessage(ctx, chat.MessageEdit{RoomID: room, Seq: m.Seq, Body: fmt.Sprint("edited", i)})
				}
				if err == nil && i%5 == 0 {
					_, _, err = f.s.React(ctx, room, m.Seq, f.author.ID, "🎉", true)
				}
				if err != nil {
					t.Errorf("write: %v", err)
					return
				}
			}
		})
	}
	writers.Wait()
	cancel()
	bg.Wait()
	if _, err := f.s.IndexSearch(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if n := f.stale(); n != 0 {
		t.Fatalf("%d messages stale after the last IndexSearch", n)
	}
}

// TestSearchIndexRoomDeleted: deleting a room removes its words and mark,
// also those an indexer that read the room before the deletion writes
// while the deletion waits (for the indexers' lock, held here as an
// indexer holds it); the other room's stay.
func TestSearchIndexRoomDeleted(t *testing.T) {
	ctx := context.Background()
	f := newSearchFixture(t, 2)
	gone, kept := f.rooms[0], f.rooms[1]
	late := f.post(gone, "doomed words")
	f.post(kept, "kept words")
	tx, err := f.conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, postgres.SearchIndexLock); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := f.s.DeleteRoom(ctx, gone, chat.AuditEntry{ActorID: f.author.ID,
			ActorName: f.author.Username, Action: chat.AuditRoomDelete, TargetType: "room", TargetID: gone, Details: json.RawMessage(`{}`),
			CreatedAt: chat.NewTime(timeNow())})
		done <- err
	}()
	waitForLockWait(t, f.url)
	for _, q := range []string{
		`INSERT INTO message_search (id, room_id, seq, author_id, created_at, change, search)
			SELECT id, room_id, seq, author_id, created_at, change, openchat_search_words(body) FROM messages`,
		`INSERT INTO search_marks (room_id, seq, change) SELECT id, last_seq, last_change FROM rooms`,
	} {
		if _, err := tx.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("delete room: %v", err)
	}
	var words, marks, kepts int
	if err := f.conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM message_search WHERE room_id = $1 OR id = $3),
		(SELECT count(*) FROM search_marks WHERE room_id = $1), (SELECT count(*) FROM message_search WHERE room_id = $2)`,
		gone, kept, late.ID).Scan(&words, &marks, &kepts); err != nil {
		t.Fatal(err)
	}
	if words != 0 || marks != 0 || kepts != 1 || f.stale() != 0 {
		t.Fatalf("the deleted room's words %d and mark %d (want 0), the other room's words %d (want 1), stale %d",
			words, marks, kepts, f.stale())
	}
}

// waitForLockWait returns once a session of the database at url waits for
// a lock.
func waitForLockWait(t *testing.T, url string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		var waiting bool
		if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock')`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting {
			return
		}
	}
	t.Fatal("no session waited for a lock within 30 s")
}

package chattest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

func testAppendMessage(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada, bob := newUser(t, s, "ada"), newUser(t, s, "bob")
	r := newRoom(t, s, ada, "general")
	before := time.Now().Add(-time.Millisecond)
	m1 := post(t, s, r, ada, "hello")
	m2 := post(t, s, r, bob, "hi @ada", ada)
	after := time.Now().Add(time.Millisecond)
	tests := []struct {
		name     string
		m        chat.Message
		seq      int64
		author   chat.User
		body     string
		mentions string
	}{
		{"first", m1, 1, ada, "hello", "[]"},
		{"second with mention", m2, 2, bob, "hi @ada", "[ada]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.m
			if m.ID == "" || m.RoomID != r.ID || m.Seq != tt.seq || m.Author != tt.author.Ref() || m.Body != tt.body || m.ClientID != "" {
				t.Fatalf("message = %+v", m)
			}
			if m.Mentions == nil || fmt.Sprint(m.Mentions) != tt.mentions {
				t.Fatalf("mentions = %#v, want %s", m.Mentions, tt.mentions)
			}
			if m.CreatedAt.Before(before) || m.CreatedAt.After(after) || !m.CreatedAt.Equal(m.CreatedAt.Truncate(time.Millisecond)) {
				t.Fatalf("created_at %v not the server's clock in ms (%v..%v)", m.CreatedAt, before, after)
			}
			stored, err := s.Messages(ctx, r.ID, chat.MessageQuery{Before: tt.seq + 1, Limit: 1})
			if err != nil || len(stored) != 1 || fmt.Sprintf("%+v", stored[0]) != fmt.Sprintf("%+v", m) {
				t.Fatalf("stored = %+v, %v; want %+v", stored, err, m)
			}
		})
	}
	_, _, err := s.AppendMessage(ctx, chat.NewMessage{ID: chat.NewID(), RoomID: chat.NewID(), Author: ada.Ref(), Body: "x"})
	wantCode(t, "AppendMessage unknown room", err, chat.ENOTFOUND)
	if m := post(t, s, r, ada, "after a failed append"); m.Seq != 3 {
		t.Fatalf("seq after failed append = %d, want 3", m.Seq)
	}
}

// testAppendUnknownAuthor: an author that does not exist stores nothing and
// takes no seq, whether the message goes alone, with mentions, or in a
// group of concurrent appends whose other messages still commit. (No
// foreign key checks it on PostgreSQL since migration 0019: the append
// must.)
func testAppendUnknownAuthor(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada := newUser(t, s, "ada")
	r := newRoom(t, s, ada, "general")
	ghost := chat.UserRef{ID: chat.NewID(), Username: "ghost"}
	tests := []struct {
		name string
		m    chat.NewMessage
	}{
		{"plain", chat.NewMessage{ID: chat.NewID(), RoomID: r.ID, Author: ghost, Body: "boo"}},
		{"with a client id and a join", chat.NewMessage{ID: chat.NewID(), RoomID: r.ID, Author: ghost, Body: "boo", ClientID: "c1", Join: true}},
		{"with a mention", chat.NewMessage{ID: chat.NewID(), RoomID: r.ID, Author: ghost, Body: "boo @ada",
			Mentions: []string{"ada"}, MentionUserIDs: []string{ada.ID}}},
		{"in an unknown room", chat.NewMessage{ID: chat.NewID(), RoomID: chat.NewID(), Author: ghost, Body: "boo"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := s.AppendMessage(ctx, tt.m)
			wantCode(t, "AppendMessage", err, chat.ENOTFOUND)
		})
	}
	if m := post(t, s, r, ada, "first"); m.Seq != 1 {
		t.Fatalf("seq after failed appends = %d, want 1", m.Seq)
	}
	const n = 24 // concurrent, so that the stores group them
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		author := ada.Ref()
		if i == n/2 {
			author = ghost
		}
		wg.Go(func() {
			_, _, errs[i] = s.AppendMessage(ctx, chat.NewMessage{ID: chat.NewID(), RoomID: r.ID, Author: author, Body: fmt.Sprint("m", i)})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if i == n/2 {
			wantCode(t, "AppendMessage by the unknown author in a group", err, chat.ENOTFOUND)
		} else if err != nil {
			t.Fatalf("AppendMessage %d beside the unknown author: %v", i, err)
		}
	}
	got, err := s.Messages(ctx, r.ID, chat.MessageQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n || got[len(got)-1].Seq != n {
		t.Fatalf("room holds %d messages up to seq %d, want %d gapless", len(got), got[len(got)-1].Seq, n)
	}
	for _, m := range got {
		if m.Author.ID != ada.ID {
			t.Fatalf("stored %+v", m)
		}
	}
}

func seqs(ms []chat.Message) string {
	out := make([]int64, len(ms))
	for i, m := range ms {
		out[i] = m.Seq
	}
	return fmt.Sprint(out)
}

func testMessagePages(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada := newUser(t, s, "ada")
	r, other := newRoom(t, s, ada, "general"), newRoom(t, s, ada, "other")
	for i := 1; i <= 10; i++ {
		post(t, s, r, ada, fmt.Sprintf("m%d", i))
		post(t, s, other, ada, fmt.Sprintf("o%d", i))
	}
	empty := newRoom(t, s, ada, "empty")
	tests := []struct {
		name string
		room string
		q    chat.MessageQuery
		want string
	}{
		{"latest", r.ID, chat.MessageQuery{Limit: 3}, "[8 9 10]"},
		{"latest all", r.ID, chat.MessageQuery{Limit: 50}, "[1 2 3 4 5 6 7 8 9 10]"},
		{"before", r.ID, chat.MessageQuery{Before: 5, Limit: 3}, "[2 3 4]"},
		{"before near start", r.ID, chat.MessageQuery{Before: 3, Limit: 5}, "[1 2]"},
		{"before 1", r.ID, chat.MessageQuery{Before: 1, Limit: 5}, "[]"},
		{"after", r.ID, chat.MessageQuery{After: 7, Limit: 2}, "[8 9]"},
		{"after 0 is latest", r.ID, chat.MessageQuery{After: 0, Limit: 2}, "[9 10]"},
		{"after end", r.ID, chat.MessageQuery{After: 10, Limit: 5}, "[]"},
		{"empty room", empty.ID, chat.MessageQuery{Limit: 5}, "[]"},
		{"unknown room", chat.NewID(), chat.MessageQuery{Limit: 5}, "[]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms, err := s.Messages(ctx, tt.room, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := seqs(ms); got != tt.want {
				t.Fatalf("seqs = %s, want %s", got, tt.want)
			}
			for i, m := range ms {
				if m.RoomID != tt.room || m.Author != ada.Ref() || m.Mentions == nil || m.Body != fmt.Sprintf("m%d", m.Seq) {
					t.Fatalf("message %+v", m)
				}
				if i > 0 && m.CreatedAt.Before(ms[i-1].CreatedAt.Time) {
					t.Fatalf("created_at goes backwards at seq %d", m.Seq)
				}
			}
		})
	}
}

func testClientID(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada, bob := newUser(t, s, "ada"), newUser(t, s, "bob")
	r, other := newRoom(t, s, ada, "general"), newRoom(t, s, ada, "other")
	send := func(room chat.Room, author chat.User, clientID string) (chat.Message, bool) {
		t.Helper()
		m, created, err := s.AppendMessage(ctx, chat.NewMessage{ID: chat.NewID(), RoomID: room.ID, Author: author.Ref(), Body: "hi", ClientID: clientID})
		if err != nil {
			t.Fatal(err)
		}
		return m, created
	}
	first, created := send(r, ada, "c1")
	if !created || first.ClientID != "c1" || first.Seq != 1 {
		t.Fatalf("first = %+v, %v", first, created)
	}
	tests := []struct {
		name    string
		room    chat.Room
		author  chat.User
		client  string
		created bool
		seq     int64
	}{
		{"retry returns the first", r, ada, "c1", false, 1},
		{"retry again", r, ada, "c1", false, 1},
		{"other author same id", r, bob, "c1", true, 2},
		{"other room same id", other, ada, "c1", true, 1},
		{"new id", r, ada, "c2", true, 3},
		{"no id twice", r, ada, "", true, 4},
		{"no id twice again", r, ada, "", true, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, created := send(tt.room, tt.author, tt.client)
			if created != tt.created || m.Seq != tt.seq || m.ClientID != tt.client {
				t.Fatalf("got seq %d created %v client %q, want seq %d created %v", m.Seq, created, m.ClientID, tt.seq, tt.created)
			}
			if !created && (m.ID != first.ID || !m.CreatedAt.Equal(first.CreatedAt.Time) || m.Author != ada.Ref()) {
				t.Fatalf("retry = %+v, want %+v", m, first)
			}
		})
	}
}

func testClientIDConcurrent(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada := newUser(t, s, "ada")
	r := newRoom(t, s, ada, "general")
	const senders = 8
	var wg sync.WaitGroup
	results := make([]chat.Message, senders)
	createdN := make([]bool, senders)
	errs := make([]error, senders)
	for i := range senders {
		wg.Go(func() {
			results[i], createdN[i], errs[i] = s.AppendMessage(ctx, chat.NewMessage{ID: chat.NewID(), RoomID: r.ID, Author: ada.Ref(), Body: "once", ClientID: "dup"})
		})
	}
	wg.Wait()
	created := 0
	for i := range senders {
		if errs[i] != nil {
			t.Fatalf("sender %d: %v", i, errs[i])
		}
		if createdN[i] {
			created++
		}
		if results[i].ID != results[0].ID || results[i].Seq != 1 {
			t.Fatalf("sender %d got %+v, want %+v", i, results[i], results[0])
		}
	}
	if created != 1 {
		t.Fatalf("%d senders created the message, want 1", created)
	}
	if m := post(t, s, r, ada, "next"); m.Seq != 2 {
		t.Fatalf("next seq = %d, want 2 (no gap)", m.Seq)
	}
}

// testConcurrentSeq is the concurrency case: 8 goroutines × 200
// posts into one room give exactly seq 1..1600, each once.
func testConcurrentSeq(t *testing.T, s chat.Store) {
	ctx := context.Background()
	const writers, each = 8, 200
	ada := newUser(t, s, "ada")
	r := newRoom(t, s, ada, "busy")
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				_, _, err := s.AppendMessage(ctx, chat.NewMessage{ID: chat.NewID(), RoomID: r.ID, Author: ada.Ref(), Body: fmt.Sprintf("w%d-%d", w, i)})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	ms, err := s.Messages(ctx, r.ID, chat.MessageQuery{Limit: writers*each + 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != writers*each {
		t.Fatalf("%d messages, want %d", len(ms), writers*each)
	}
	bodies := map[string]bool{}
	for i, m := range ms {
		if m.Seq != int64(i+1) {
			t.Fatalf("message %d has seq %d", i, m.Seq)
		}
		if i > 0 && m.CreatedAt.Before(ms[i-1].CreatedAt.Time) {
			t.Fatalf("created_at goes backwards at seq %d", m.Seq)
		}
		bodies[m.Body] = true
	}
	if len(bodies) != writers*each {
		t.Fatalf("%d distinct bodies, want %d", len(bodies), writers*each)
	}
}

func testMentions(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada, bob, cy := newUser(t, s, "ada"), newUser(t, s, "bob"), newUser(t, s, "cy")
	r1, r2 := newRoom(t, s, bob, "one"), newRoom(t, s, bob, "two")
	post(t, s, r1, bob, "@ada first", ada)
	post(t, s, r1, bob, "no mention")
	post(t, s, r2, bob, "@ada @cy second", ada, cy)
	post(t, s, r1, bob, "@ada third", ada)
	page1, err := s.Mentions(ctx, ada.ID, 0, 2)
	if err != nil || len(page1) != 2 {
		t.Fatalf("page 1 = %+v, %v", page1, err)
	}
	page2, err := s.Mentions(ctx, ada.ID, page1[1].ID, 2)
	if err != nil || len(page2) != 1 {
		t.Fatalf("page 2 = %+v, %v", page2, err)
	}
	all := append(page1, page2...)
	want := []struct{ room, body, mentions string }{
		{"one", "@ada third", "[ada]"},
		{"two", "@ada @cy second", "[ada cy]"},
		{"one", "@ada first", "[ada]"},
	}
	rooms := map[string]string{"one": r1.ID, "two": r2.ID}
	for i, w := range want {
		mn := all[i]
		if i > 0 && mn.ID >= all[i-1].ID {
			t.Fatalf("mention ids not descending: %d then %d", all[i-1].ID, mn.ID)
		}
		if mn.Room.Name != w.room || mn.Room.ID != rooms[w.room] || mn.Message.RoomID != rooms[w.room] ||
			mn.Message.Body != w.body || fmt.Sprint(mn.Message.Mentions) != w.mentions || mn.Message.Author != bob.Ref() || mn.Message.Seq == 0 {
			t.Fatalf("mention %d = %+v, want %+v", i, mn, w)
		}
	}
	tests := []struct {
		name   string
		user   string
		before int64
		want   int
	}{
		{"cy", cy.ID, 0, 1},
		{"bob has none", bob.ID, 0, 0},
		{"past the oldest", ada.ID, all[2].ID, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms, err := s.Mentions(ctx, tt.user, tt.before, 10)
			if err != nil || ms == nil || len(ms) != tt.want {
				t.Fatalf("Mentions = %#v, %v; want %d", ms, err, tt.want)
			}
		})
	}
}

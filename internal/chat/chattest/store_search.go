package chattest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// searchFixture: ada, bob and eve; a public room, a private room of ada's
// and a direct room of ada and bob.
type searchFixture struct {
	s                   chat.Store
	ada, bob, eve       chat.User
	general, secret, dm chat.Room
	byBody              map[string]chat.Message
}

func newSearchFixture(t *testing.T, s chat.Store) *searchFixture {
	ctx := context.Background()
	f := &searchFixture{s: s, byBody: map[string]chat.Message{}}
	f.ada, f.bob, f.eve = newUser(t, s, "ada"), newUser(t, s, "bob"), newUser(t, s, "eve")
	f.general = newRoom(t, s, f.ada, "general")
	f.secret = chat.Room{ID: chat.NewID(), Name: "secret", Visibility: chat.Private, CreatedBy: f.ada.ID, CreatedAt: chat.NewTime(base)}
	if err := s.CreateRoom(ctx, f.secret); err != nil {
		t.Fatal(err)
	}
	dm, _, err := s.CreateDirectRoom(ctx, chat.Room{ID: chat.NewID(), Visibility: chat.Direct, CreatedBy: f.ada.ID, CreatedAt: chat.NewTime(base)},
		[]string{f.ada.ID, f.bob.ID})
	if err != nil {
		t.Fatal(err)
	}
	f.dm = dm
	return f
}

func (f *searchFixture) post(t *testing.T, r chat.Room, author chat.User, body string) chat.Message {
	// Results across rooms are newest first by (created_at, id) on
	// PostgreSQL, and two messages of the same millisecond have ids in
	// random order: keep the fixture's apart.
	time.Sleep(2 * time.Millisecond)
	m := post(t, f.s, r, author, body)
	f.byBody[body] = m
	return m
}

// search runs q (the query syntax) as reader and returns the bodies found.
func (f *searchFixture) search(t *testing.T, reader chat.User, q string, with func(*chat.MessageSearch)) []string {
	t.Helper()
	pq, err := chat.ParseSearch(q)
	if err != nil {
		t.Fatalf("ParseSearch(%q): %v", q, err)
	}
	ms := chat.MessageSearch{Query: pq, ReaderID: reader.ID, Limit: 100}
	if with != nil {
		with(&ms)
	}
	hits, err := f.s.SearchMessages(context.Background(), ms)
	if err != nil {
		t.Fatalf("SearchMessages(%q): %v", q, err)
	}
	bodies := []string{}
	for _, h := range hits {
		m := f.byBody[h.Message.Body]
		if h.Message.ID != m.ID || h.Message.Seq != m.Seq || h.Message.Author.Username != m.Author.Username || h.Room.ID != m.RoomID {
			t.Fatalf("hit %+v does not match the stored %+v", h, m)
		}
		bodies = append(bodies, h.Message.Body)
	}
	return bodies
}

// testSearchMatching: what matches a query, on one room's messages.
func testSearchMatching(t *testing.T, s chat.Store) {
	f := newSearchFixture(t, s)
	for _, b := range []string{
		"Deploy the server at noon",        // 0
		"deployment finished",              // 1
		"Una canción para ti",              // 2
		"la cancion del verano",            // 3
		"ÉTÉ INDIEN",                       // 4
		"next week we ship",                // 5
		"week next, maybe",                 // 6
		"write to ada@example.org today",   // 7
		"the server is down; deploy later", // 8
		"Straße and naïve café",            // 9
		"東京 meeting",                       // 10
		"this and that, or NOT",            // 11
	} {
		f.post(t, f.general, f.ada, b)
	}
	tests := []struct {
		q    string
		want []string // newest first
	}{
		{"deploy ", []string{"the server is down; deploy later", "Deploy the server at noon"}},
		{"deploy", []string{"the server is down; deploy later", "deployment finished", "Deploy the server at noon"}},
		{"DEPLOY SERV", []string{"the server is down; deploy later", "Deploy the server at noon"}},
		{"server deploy noon", []string{"Deploy the server at noon"}},
		{"canción ", []string{"la cancion del verano", "Una canción para ti"}},
		{"cancion ", []string{"la cancion del verano", "Una canción para ti"}},
		{"CANCIO", []string{"la cancion del verano", "Una canción para ti"}},
		{"été indien", []string{"ÉTÉ INDIEN"}},
		{"ete ", []string{"ÉTÉ INDIEN"}},
		{"naive cafe", []string{"Straße and naïve café"}},
		{`"next week"`, []string{"next week we ship"}},
		{`"week next"`, []string{"week next, maybe"}},
		{`"next ship"`, []string{}},
		{"next week", []string{"week next, maybe", "next week we ship"}},
		{"example.org", []string{"write to ada@example.org today"}},
		{"example ", []string{"write to ada@example.org today"}},
		{"ada@example.org", []string{"write to ada@example.org today"}},
		{"東京", []string{"東京 meeting"}},
		{"and or not ", []string{"this and that, or NOT"}}, // words, not operators
		{`"or not"`, []string{"this and that, or NOT"}},
		{"nothing ", []string{}},
		{"dep nothing", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			if got := f.search(t, f.ada, tt.q, nil); !slices.Equal(got, tt.want) {
				t.Fatalf("search %q = %q, want %q", tt.q, got, tt.want)
			}
		})
	}
}

// testSearchFilters: author, rooms and time bounds.
func testSearchFilters(t *testing.T, s chat.Store) {
	f := newSearchFixture(t, s)
	first := f.post(t, f.general, f.ada, "alpha one")
	time.Sleep(5 * time.Millisecond) // distinct created_at for the time bounds
	mid := f.post(t, f.general, f.bob, "alpha two")
	time.Sleep(5 * time.Millisecond)
	f.post(t, f.secret, f.ada, "alpha three")
	tests := []struct {
		name string
		with func(*chat.MessageSearch)
		want []string
	}{
		{"none", nil, []string{"alpha three", "alpha two", "alpha one"}},
		{"author", func(q *chat.MessageSearch) { q.AuthorID = f.ada.ID }, []string{"alpha three", "alpha one"}},
		{"room", func(q *chat.MessageSearch) { q.RoomIDs = []string{f.general.ID} }, []string{"alpha two", "alpha one"}},
		{"rooms", func(q *chat.MessageSearch) { q.RoomIDs = []string{f.general.ID, f.secret.ID} }, []string{"alpha three", "alpha two", "alpha one"}},
		{"author and room", func(q *chat.MessageSearch) { q.AuthorID, q.RoomIDs = f.bob.ID, []string{f.secret.ID} }, []string{}},
		{"before", func(q *chat.MessageSearch) { q.Before = mid.CreatedAt }, []string{"alpha one"}},
		{"after", func(q *chat.MessageSearch) { q.After = mid.CreatedAt }, []string{"alpha three"}},
		{"between", func(q *chat.MessageSearch) {
			q.After, q.Before = chat.NewTime(mid.CreatedAt.Add(-time.Millisecond)), chat.NewTime(mid.CreatedAt.Add(time.Millisecond))
		}, []string{"alpha two"}},
		// One room's time bounds are seq bounds on PostgreSQL (testSearchRoomBounds).
		{"room before", func(q *chat.MessageSearch) { q.RoomIDs, q.Before = []string{f.general.ID}, mid.CreatedAt }, []string{"alpha one"}},
		{"room after", func(q *chat.MessageSearch) { q.RoomIDs, q.After = []string{f.general.ID}, first.CreatedAt }, []string{"alpha two"}},
		{"room after the last", func(q *chat.MessageSearch) { q.RoomIDs, q.After = []string{f.general.ID}, mid.CreatedAt }, []string{}},
		{"room between", func(q *chat.MessageSearch) {
			q.RoomIDs, q.After, q.Before = []string{f.general.ID}, first.CreatedAt, chat.NewTime(mid.CreatedAt.Add(time.Millisecond))
		}, []string{"alpha two"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := f.search(t, f.ada, "alpha ", tt.with); !slices.Equal(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// testSearchReaders: a reader finds public rooms' messages and those of
// its own private and direct rooms, never others'.
func testSearchReaders(t *testing.T, s chat.Store) {
	f := newSearchFixture(t, s)
	f.post(t, f.general, f.ada, "plan public")
	f.post(t, f.secret, f.ada, "plan private")
	f.post(t, f.dm, f.bob, "plan direct")
	tests := []struct {
		name   string
		reader chat.User
		want   []string
	}{
		{"member of all", f.ada, []string{"plan direct", "plan private", "plan public"}},
		{"direct member, not private", f.bob, []string{"plan direct", "plan public"}},
		{"member of none", f.eve, []string{"plan public"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := f.search(t, tt.reader, "plan ", nil); !slices.Equal(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			// Asking for the room explicitly changes nothing.
			got := f.search(t, tt.reader, "plan ", func(q *chat.MessageSearch) { q.RoomIDs = []string{f.secret.ID} })
			if wantSecret := tt.reader.ID == f.ada.ID; (len(got) == 1) != wantSecret {
				t.Fatalf("private room asked by id: got %q", got)
			}
		})
	}
	if _, _, err := s.RemoveMember(context.Background(), f.secret.ID, f.ada.ID); err != nil {
		t.Fatal(err)
	}
	if got := f.search(t, f.ada, "private ", nil); len(got) != 0 {
		t.Fatalf("a former member still finds %q", got)
	}
}

// testSearchPaging: pages by cursor cover every match once, newest first,
// also when many share a created_at (a group commit gives one time).
func testSearchPaging(t *testing.T, s chat.Store) {
	f := newSearchFixture(t, s)
	const n = 25
	var want []string
	for i := range n {
		body := fmt.Sprintf("paged message %02d", i)
		f.post(t, f.general, f.ada, body)
		want = append([]string{body}, want...)
	}
	pq, _ := chat.ParseSearch("paged")
	for _, rooms := range [][]string{nil, {f.general.ID}} { // one room pages by seq on PostgreSQL
		got := searchPages(t, s, chat.MessageSearch{Query: pq, ReaderID: f.eve.ID, RoomIDs: rooms, Limit: 10})
		// Messages of one millisecond come in an order of the store's: check
		// the set, and the order by time.
		if len(got) != n || !sameSet(got, want) {
			t.Fatalf("rooms %v: pages gave %d messages %q, want the %d posted", rooms, len(got), got, n)
		}
		for i := 1; i < len(got); i++ {
			if a, b := f.byBody[got[i-1]], f.byBody[got[i]]; a.CreatedAt.Before(b.CreatedAt.Time) {
				t.Fatalf("rooms %v: %q listed before the newer %q", rooms, got[i-1], got[i])
			}
		}
	}
}

// testSearchRoomBounds: one room's messages before, after and between
// times, at and between each message's time, and paged within a bound:
// PostgreSQL finds a room's time bounds by a binary search over its seqs.
func testSearchRoomBounds(t *testing.T, s chat.Store) {
	f := newSearchFixture(t, s)
	const n = 21
	var posted []chat.Message // oldest first; f.post keeps them 2 ms apart
	for i := range n {
		posted = append(posted, f.post(t, f.general, f.ada, fmt.Sprintf("bound %02d", i)))
		if i%3 == 0 { // another room's messages between, in the same times
			f.post(t, f.secret, f.ada, fmt.Sprintf("bound elsewhere %02d", i))
		}
	}
	// between lists posted[from:to] newest first.
	between := func(from, to int) []string {
		out := []string{}
		for i := to - 1; i >= from; i-- {
			out = append(out, posted[i].Body)
		}
		return out
	}
	ms := time.Millisecond
	type bound struct {
		name          string
		after, before time.Time // zero: none
		want          []string
	}
	tests := []bound{
		{"before the first", time.Time{}, posted[0].CreatedAt.Time, between(0, 0)},
		{"after the last", posted[n-1].CreatedAt.Time, time.Time{}, between(0, 0)},
		{"before a time before all", time.Time{}, posted[0].CreatedAt.Add(-time.Hour), between(0, 0)},
		{"after a time after all", posted[n-1].CreatedAt.Add(time.Hour), time.Time{}, between(0, 0)},
		{"after a time before all", posted[0].CreatedAt.Add(-time.Hour), time.Time{}, between(0, n)},
	}
	for i := range n {
		at := posted[i].CreatedAt.Time
		tests = append(tests,
			bound{fmt.Sprintf("before %d", i), time.Time{}, at, between(0, i)},
			bound{fmt.Sprintf("before %d + 1ms", i), time.Time{}, at.Add(ms), between(0, i+1)},
			bound{fmt.Sprintf("after %d", i), at, time.Time{}, between(i+1, n)},
			bound{fmt.Sprintf("after %d - 1ms", i), at.Add(-ms), time.Time{}, between(i, n)},
			bound{fmt.Sprintf("between %d and %d", i, min(i+5, n-1)), at, posted[min(i+5, n-1)].CreatedAt.Time, between(i+1, min(i+5, n-1))},
		)
	}
	pq, _ := chat.ParseSearch("bound")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Pages of three, so the cursor and the bounds meet.
			got := searchPages(t, s, chat.MessageSearch{Query: pq, ReaderID: f.ada.ID, RoomIDs: []string{f.general.ID}, Limit: 3,
				After: chat.NewTime(tt.after), Before: chat.NewTime(tt.before)})
			if !slices.Equal(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// testSearchFilterPages: pages of an author's or a room's matches, small
// enough that the first page is full, hold that author's or room's matches
// the reader can read, newest first (PostgreSQL reads these newest first
// along an index, and falls back to the word's index for the rest).
func testSearchFilterPages(t *testing.T, s chat.Store) {
	f := newSearchFixture(t, s)
	type posted struct {
		room   chat.Room
		author chat.User
		body   string
	}
	var all []posted // newest first
	for i := range 24 {
		p := posted{[]chat.Room{f.general, f.secret}[i%2], []chat.User{f.ada, f.bob, f.ada}[i%3], fmt.Sprintf("walk %02d", i)}
		if i%4 == 3 {
			p.body = fmt.Sprintf("other %02d", i)
		}
		f.post(t, p.room, p.author, p.body)
		all = append([]posted{p}, all...)
		time.Sleep(2 * time.Millisecond) // distinct created_at: one order in both stores
	}
	tests := []struct {
		name   string
		reader chat.User
		with   func(*chat.MessageSearch)
		keep   func(posted) bool
	}{
		{"author", f.ada, func(q *chat.MessageSearch) { q.AuthorID = f.ada.ID }, func(p posted) bool { return p.author.ID == f.ada.ID }},
		{"author, public rooms only", f.eve, func(q *chat.MessageSearch) { q.AuthorID = f.ada.ID },
			func(p posted) bool { return p.author.ID == f.ada.ID && p.room.ID == f.general.ID }},
		{"room", f.ada, func(q *chat.MessageSearch) { q.RoomIDs = []string{f.secret.ID} }, func(p posted) bool { return p.room.ID == f.secret.ID }},
		{"room not readable", f.eve, func(q *chat.MessageSearch) { q.RoomIDs = []string{f.secret.ID} }, func(posted) bool { return false }},
		{"room and author", f.ada, func(q *chat.MessageSearch) { q.RoomIDs, q.AuthorID = []string{f.general.ID}, f.bob.ID },
			func(p posted) bool { return p.room.ID == f.general.ID && p.author.ID == f.bob.ID }},
	}
	pq, _ := chat.ParseSearch("walk ")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := []string{}
			for _, p := range all {
				if tt.keep(p) && p.body[:4] == "walk" {
					want = append(want, p.body)
				}
			}
			q := chat.MessageSearch{Query: pq, ReaderID: tt.reader.ID, Limit: 2}
			tt.with(&q)
			if got := searchPages(t, s, q); !slices.Equal(got, want) {
				t.Fatalf("got %q, want %q", got, want)
			}
		})
	}
}

// searchPages runs q page by page, each from the last hit of the one
// before, until a page comes short, and returns the bodies found.
func searchPages(t *testing.T, s chat.Store, q chat.MessageSearch) []string {
	t.Helper()
	got := []string{}
	for range 1000 { // a store that repeats a page must not loop for ever
		hits, err := s.SearchMessages(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hits {
			got = append(got, h.Message.Body)
		}
		if len(hits) < q.Limit {
			break
		}
		last := hits[len(hits)-1].Message
		q.Cursor = chat.SearchCursor{At: last.CreatedAt, ID: last.ID}
	}
	return got
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// testSearchChanges: an edit replaces what a message is found by, and a
// deletion takes it out, in the transaction that changes it.
func testSearchChanges(t *testing.T, s chat.Store) {
	ctx := context.Background()
	f := newSearchFixture(t, s)
	first := f.post(t, f.general, f.ada, "alpha original")
	f.post(t, f.general, f.ada, "beta doomed")
	edited, err := s.EditMessage(ctx, chat.MessageEdit{RoomID: f.general.ID, Seq: first.Seq, Body: "alpha revised"})
	if err != nil {
		t.Fatal(err)
	}
	f.byBody[edited.Body] = edited
	if _, err := s.DeleteMessage(ctx, f.general.ID, 2); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string][]string{"original ": {}, "revised ": {"alpha revised"}, "alpha ": {"alpha revised"}, "doomed ": {}} {
		if got := f.search(t, f.eve, q, nil); !slices.Equal(got, want) {
			t.Errorf("search %q after an edit and a deletion = %q, want %q", q, got, want)
		}
	}
}

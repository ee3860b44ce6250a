package postgres_test

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat/chattest"
	"github.com/open-chat/openchat/internal/postgres"
)

// TestMigrationSearch: 0005 indexes the messages that exist before it,
// and the index follows later edits and deletes of a message row.
func TestMigrationSearch(t *testing.T) {
	ctx := context.Background()
	url, exec := oldDatabase(t, 5)
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	exec(`INSERT INTO users (id, username, display_name, email, password_hash, created_at) VALUES ('u1', 'ada', 'Ada', 'ada@example.org', 'x', $1)`, at)
	exec(`INSERT INTO rooms (id, name, name_key, created_by, created_at, last_seq) VALUES ('r1', 'general', 'general', 'u1', $1, 3)`, at)
	for i, body := range []string{"Una canción vieja", "another song", "la cancion nueva"} {
		exec(`INSERT INTO messages (id, room_id, seq, change, author_id, body, created_at) VALUES ($1, 'r1', $2, $2, 'u1', $3, $4)`,
			"m"+strconv.Itoa(i+1), i+1, body, at.Add(time.Duration(i)*time.Second))
	}

	s, err := postgres.Open(ctx, url, nil)
	if err != nil {
		t.Fatalf("migrate: %v", err)
	}
	defer s.Close()
	search := func(q string) []string { return chattest.SearchIDs(t, s, "u1", q) }
	if got := search("cancion "); !slices.Equal(got, []string{"m3", "m1"}) {
		t.Fatalf("after migrating, found %v; want m3, m1", got)
	}
	exec(`UPDATE messages SET body = 'edited: no song' WHERE id = 'm3'`)
	exec(`DELETE FROM messages WHERE id = 'm1'`)
	if got := search("cancion "); len(got) != 0 {
		t.Fatalf("after an edit and a delete, found %v", got)
	}
	if got := search("song "); !slices.Equal(got, []string{"m3", "m2"}) {
		t.Fatalf("after an edit, found %v; want m3, m2", got)
	}
}

// TestUnaccentSearchPath: after 0017 (the unaccent wrapper in PL/pgSQL),
// the search column still folds accents when the session that writes a
// message has a search_path without the extension's schema, as 0005's
// SQL-standard body did, and a search finds the message.
func TestUnaccentSearchPath(t *testing.T) {
	ctx := context.Background()
	url, exec := oldDatabase(t, 17)
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	exec(`INSERT INTO users (id, username, display_name, email, password_hash, created_at) VALUES ('u1', 'ada', 'Ada', 'ada@example.org', 'x', $1)`, at)
	exec(`INSERT INTO rooms (id, name, name_key, created_by, created_at, last_seq) VALUES ('r1', 'general', 'general', 'u1', $1, 2)`, at)
	exec(`INSERT INTO messages (id, room_id, seq, change, author_id, body, created_at) VALUES ('m1', 'r1', 1, 1, 'u1', 'Una canción', $1)`, at)
	s, err := postgres.Open(ctx, url, nil)
	if err != nil {
		t.Fatalf("migrate: %v", err)
	}
	defer s.Close()
	exec(`SET search_path = pg_catalog`)
	exec(`INSERT INTO public.messages (id, room_id, seq, change, author_id, body, created_at) VALUES ('m2', 'r1', 2, 2, 'u1', 'Otra CANCIÓN', $1)`, at.Add(time.Second))
	if ids := chattest.SearchIDs(t, s, "u1", "cancion "); !slices.Equal(ids, []string{"m2", "m1"}) {
		t.Fatalf("found %v; want m2, m1", ids)
	}
}

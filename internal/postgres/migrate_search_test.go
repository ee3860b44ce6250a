package postgres_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/postgres"
	"github.com/open-chat/openchat/internal/postgres/pgtest"
)

// TestMigrationSearch: 0005 indexes the messages that exist before it,
// and the index follows later edits and deletes of a message row.
func TestMigrationSearch(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := conn.Exec(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`CREATE TABLE schema_migrations (version bigint PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`)
	files, _ := filepath.Glob("migrations/*.sql")
	sort.Strings(files)
	for _, f := range files {
		v, _ := strconv.Atoi(strings.SplitN(filepath.Base(f), "_", 2)[0])
		if v >= 5 {
			break
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		exec(string(b))
		exec(`INSERT INTO schema_migrations (version) VALUES ($1)`, v)
	}
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
	search := func(q string) []string {
		t.Helper()
		pq, err := chat.ParseSearch(q)
		if err != nil {
			t.Fatal(err)
		}
		hits, err := s.SearchMessages(ctx, chat.MessageSearch{Query: pq, ReaderID: "u1", Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, h := range hits {
			ids = append(ids, h.Message.ID)
		}
		return ids
	}
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

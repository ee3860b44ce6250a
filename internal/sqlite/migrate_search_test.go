package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/sqlite"
)

// TestMigrationSearch: 0005 indexes the messages that exist before it,
// and the index follows later edits and deletes of a message row.
func TestMigrationSearch(t *testing.T) {
	ctx := context.Background()
	path, exec := oldDatabase(t, 5)
	exec(`INSERT INTO users (id, username, display_name, email, password_hash, created_at) VALUES ('u1', 'ada', 'Ada', 'ada@example.org', 'x', 1)`)
	exec(`INSERT INTO rooms (id, name, name_key, created_by, created_at, last_seq) VALUES ('r1', 'general', 'general', 'u1', 1, 3)`)
	for i, body := range []string{"Una canción vieja", "another song", "la cancion nueva"} {
		exec(`INSERT INTO messages (id, room_id, seq, change, author_id, body, created_at) VALUES (?, 'r1', ?, ?, 'u1', ?, ?)`,
			"m"+strconv.Itoa(i+1), i+1, i+1, body, 10+i)
	}

	search := func(q string) []string { return searchFile(t, path, q) }
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
	exec(`INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)`)

	// The index is keyed by rowid: a backup (VACUUM INTO) keeps the rowids,
	// gaps included, so the copy's index still points at the right rows.
	backup := filepath.Join(t.TempDir(), "backup.db")
	if err := sqlite.Backup(ctx, path, backup); err != nil {
		t.Fatal(err)
	}
	if got := searchFile(t, backup, "song "); !slices.Equal(got, []string{"m3", "m2"}) {
		t.Fatalf("in the backup, found %v; want m3, m2", got)
	}
	bdb, err := sql.Open("sqlite", "file:"+backup)
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	if _, err := bdb.ExecContext(ctx, `INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)`); err != nil {
		t.Fatalf("backup's index: %v", err)
	}
}

// searchFile opens the store at path and returns the ids of the messages
// that q finds for user u1.
func searchFile(t *testing.T, path, q string) []string {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer s.Close()
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

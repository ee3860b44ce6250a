package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/chat/chattest"
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
	return chattest.SearchIDs(t, s, "u1", q)
}

// TestMigrationSearchAppend: after 0010 (no insert trigger: the append
// indexes its group), the messages indexed before it are still found,
// new ones are found at once, edits and deletes still update the index,
// and the index agrees with the messages (FTS5's integrity check).
func TestMigrationSearchAppend(t *testing.T) {
	ctx := context.Background()
	path, exec := oldDatabase(t, 10)
	exec(`INSERT INTO users (id, username, display_name, email, password_hash, created_at) VALUES ('u1', 'ada', 'Ada', 'ada@example.org', 'x', 1)`)
	exec(`INSERT INTO rooms (id, name, name_key, created_by, created_at, last_seq, last_change) VALUES ('r1', 'general', 'general', 'u1', 1, 2, 2)`)
	exec(`INSERT INTO messages (id, room_id, seq, change, author_id, body, created_at) VALUES ('m1', 'r1', 1, 1, 'u1', 'old canción', 10), ('m2', 'r1', 2, 2, 'u1', 'old song', 11)`)

	s, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatalf("migrate: %v", err)
	}
	ada := chat.UserRef{ID: "u1", Username: "ada", DisplayName: "Ada"}
	var wg sync.WaitGroup // posted together, so that they may form one group
	for _, m := range []chat.NewMessage{{ID: "m3", Body: "new cancion"}, {ID: "m4", Body: "new song"}, {ID: "m5", Body: "other words"}} {
		m.RoomID, m.Author = "r1", ada
		wg.Go(func() {
			if _, _, err := s.AppendMessage(ctx, m); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	s.Close()
	if got := searchFile(t, path, "cancion "); !slices.Equal(got, []string{"m3", "m1"}) {
		t.Fatalf("found %v; want m3, m1", got)
	}
	exec(`UPDATE messages SET body = 'edited: no song' WHERE id = 'm3'`)
	exec(`DELETE FROM messages WHERE id = 'm4'`)
	if got := searchFile(t, path, "song "); !slices.Equal(got, []string{"m3", "m2"}) {
		t.Fatalf("after an edit and a delete, found %v; want m3, m2", got)
	}
	exec(`INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)`)
}

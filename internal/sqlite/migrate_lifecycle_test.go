package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/sqlite"
)

// TestMigrationLifecycle: 0009 on a database with data: existing accounts
// are not deleted, and the cleanup's statements find old sessions and
// client ids through the new indexes.
func TestMigrationLifecycle(t *testing.T) {
	ctx := context.Background()
	path, exec := oldDatabase(t, 9)
	exec(`INSERT INTO users (id, username, display_name, email, password_hash, created_at) VALUES ('u1', 'ada', 'Ada', 'ada@example.org', 'x', 1)`)
	exec(`INSERT INTO sessions (token_hash, user_id, created_at, expires_at, id) VALUES ('h', 'u1', 1, 2, 's1')`)
	exec(`INSERT INTO rooms (id, name, name_key, created_by, created_at, last_seq, last_change) VALUES ('r1', 'general', 'general', 'u1', 1, 1, 1)`)
	exec(`INSERT INTO messages (id, room_id, seq, author_id, body, client_id, created_at, change) VALUES ('m1', 'r1', 1, 'u1', 'hi', 'c1', 1, 1)`)

	s, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatalf("migrate: %v", err)
	}
	defer s.Close()
	if us, err := s.SearchUsers(ctx, "ada", 10); err != nil || len(us) != 1 {
		t.Fatalf("SearchUsers after migration = %v, %v", us, err)
	}
	now := time.UnixMilli(10)
	if n, err := s.DeleteExpiredSessions(ctx, now, 10); err != nil || n != 1 {
		t.Fatalf("DeleteExpiredSessions = %d, %v", n, err)
	}
	if n, err := s.ClearClientIDs(ctx, now, 10); err != nil || n != 1 {
		t.Fatalf("ClearClientIDs = %d, %v", n, err)
	}
}

package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/sqlite"
)

// TestMigrationAccounts: 0003 on a database with data: an address shared by
// several accounts stays with the oldest, the others lose it; existing
// accounts are unverified; existing sessions get a public id and a last-seen
// time.
func TestMigrationAccounts(t *testing.T) {
	ctx := context.Background()
	path, exec := oldDatabase(t, 3)
	for _, u := range []struct{ id, name, email string }{
		{"u2", "second", "Ada@Example.org"}, {"u1", "first", "ada@example.org"}, {"u3", "third", "ADA@example.org"}, {"u4", "bob", "bob@example.org"},
	} {
		exec(`INSERT INTO users (id, username, display_name, email, password_hash, created_at) VALUES (?, ?, ?, ?, 'x', ?)`,
			u.id, u.name, u.name, u.email, map[string]int{"u1": 1, "u2": 2, "u3": 2, "u4": 3}[u.id])
	}
	exec(`INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ('h', 'u1', 5, 99999999999999)`)

	s, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatalf("migrate: %v", err)
	}
	defer s.Close()
	want := map[string]string{"u1": "ada@example.org", "u2": "", "u3": "", "u4": "bob@example.org"}
	for id, email := range want {
		u, err := s.UserByID(ctx, id)
		if err != nil || u.Email != email || u.EmailVerified {
			t.Errorf("user %s = %q verified %v, %v; want %q unverified", id, u.Email, u.EmailVerified, err, email)
		}
	}
	_, sess, err := s.SessionUser(ctx, "h", time.UnixMilli(6))
	if err != nil || sess.ID == "" || sess.LastSeenAt.UnixMilli() != 5 {
		t.Fatalf("session after migration = %+v, %v", sess, err)
	}
}

// oldDatabase is a database file migrated up to, not including, version
// before, and a function that runs SQL on it (closed at the test's end):
// a migration's test fills it with data of the older schema, then opens it
// as a store, which applies the rest.
func oldDatabase(t *testing.T, before int) (path string, exec func(q string, args ...any)) {
	t.Helper()
	ctx := context.Background()
	path = filepath.Join(t.TempDir(), "openchat.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	exec = func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := sqlite.MigrateBefore(ctx, path, before); err != nil {
		t.Fatal(err)
	}
	return path, exec
}

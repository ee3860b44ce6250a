package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/open-chat/openchat/internal/postgres"
	"github.com/open-chat/openchat/internal/postgres/pgtest"
)

// TestMigrationAccounts: 0003 on a database with data: an address shared by
// several accounts stays with the oldest, the others lose it; existing
// accounts are unverified; existing sessions get a public id and a last-seen
// time.
func TestMigrationAccounts(t *testing.T) {
	ctx := context.Background()
	url, exec := oldDatabase(t, 3)
	base := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, u := range []struct {
		id, name, email string
		age             int
	}{
		{"u2", "second", "Ada@Example.org", 2}, {"u1", "first", "ada@example.org", 1}, {"u3", "third", "ADA@example.org", 2}, {"u4", "bob", "bob@example.org", 3},
	} {
		exec(`INSERT INTO users (id, username, display_name, email, password_hash, created_at) VALUES ($1, $2, $2, $3, 'x', $4)`,
			u.id, u.name, u.email, base.Add(time.Duration(u.age)*time.Hour))
	}
	exec(`INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ('h', 'u1', $1, $2)`, base, base.Add(time.Hour))

	s, err := postgres.Open(ctx, url, nil)
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
	_, sess, err := s.SessionUser(ctx, "h", base)
	if err != nil || sess.ID == "" || !sess.LastSeenAt.Equal(base) {
		t.Fatalf("session after migration = %+v, %v", sess, err)
	}
}

// oldDatabase is a database migrated up to, not including, version before,
// and a function that runs SQL on it (closed at the test's end): a
// migration's test fills it with data of the older schema, then opens it
// as a store, which applies the rest.
func oldDatabase(t *testing.T, before int) (url string, exec func(q string, args ...any)) {
	t.Helper()
	ctx := context.Background()
	url = pgtest.NewDatabase(t)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(ctx) })
	exec = func(q string, args ...any) {
		t.Helper()
		if _, err := conn.Exec(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := postgres.MigrateBefore(ctx, url, before); err != nil {
		t.Fatal(err)
	}
	return url, exec
}

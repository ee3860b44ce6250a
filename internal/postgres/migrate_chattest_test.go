package postgres

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/chat/chattest"
	"github.com/open-chat/openchat/internal/postgres/pgtest"
)

func TestMembersMigration(t *testing.T) { chattest.TestMembersMigration(t, oldSchema(t, 1)) }

func TestNameFoldMigration(t *testing.T) { chattest.TestNameFoldMigration(t, oldSchema(t, 13)) }

// oldSchema is a new database migrated up to version, for a chattest
// migration test to fill and open.
func oldSchema(t *testing.T, version int) chattest.OldSchema {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := (&Store{pool: pool, log: slog.New(slog.DiscardHandler)}).migrateTo(ctx, version); err != nil {
		t.Fatal(err)
	}
	return chattest.OldSchema{
		Exec: func(t *testing.T, q string) {
			if _, err := pool.Exec(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		},
		Time: func(at time.Time) string { return "'" + at.UTC().Format(time.RFC3339Nano) + "'" },
		Open: func(t *testing.T) chat.Store {
			s, err := Open(ctx, url, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			return s
		},
	}
}

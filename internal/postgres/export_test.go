package postgres

import (
	"context"
	"log/slog"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/open-chat/openchat/internal/postgres/pgtest"
)

// OpenTest opens a store on a fresh database, closed when t ends.
func OpenTest(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), pgtest.NewDatabase(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// Grouped reports how many group commits carried more than one message.
func (s *Store) Grouped() int64 { return s.appends.Grouped() }

// Fallbacks reports how many groups failed and were appended one by one.
func (s *Store) Fallbacks() int64 { return s.fallbacks.Load() }

// MigrateBefore applies to the database at url the migrations before
// version before (at least 2), with the runner Open uses, for a migration's
// test to start from the schema it changes.
func MigrateBefore(ctx context.Context, url string, before int) error {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return err
	}
	defer pool.Close()
	return (&Store{pool: pool, log: slog.New(slog.DiscardHandler)}).migrateTo(ctx, before-1)
}

// Conns reports how many connections the pool holds.
func (s *Store) Conns() int32 { return s.pool.Stat().TotalConns() }

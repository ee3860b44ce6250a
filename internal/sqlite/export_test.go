package sqlite

import (
	"context"
	"database/sql"
	"log/slog"
	"path/filepath"
	"testing"
)

// OpenTest opens a store on a fresh database, closed when t ends.
func OpenTest(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "openchat.db"), nil)
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

// DropSearchIndex makes s a store without the search index, the "without"
// side of BenchmarkSearch: the group's index statement becomes a no-op and
// the edit and delete triggers go.
func (s *Store) DropSearchIndex(ctx context.Context) error {
	if err := s.st.index.Close(); err != nil {
		return err
	}
	var err error
	if s.st.index, err = s.w.PrepareContext(ctx, `SELECT ?`); err != nil {
		return err
	}
	_, err = s.w.ExecContext(ctx, `DROP TRIGGER messages_fts_update; DROP TRIGGER messages_fts_delete`)
	return err
}

// MigrateBefore applies to the database file at path the migrations before
// version before (at least 2), with the runner Open uses, for a migration's
// test to start from the schema it changes.
func MigrateBefore(ctx context.Context, path string, before int) error {
	w, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)&_txlock=immediate")
	if err != nil {
		return err
	}
	defer w.Close()
	w.SetMaxOpenConns(1)
	return (&Store{w: w, log: slog.New(slog.DiscardHandler)}).migrateTo(ctx, before-1)
}

package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/open-chat/openchat/internal/chat/chattest"
	"github.com/open-chat/openchat/internal/sqlite"
)

// BenchmarkSearch: see chattest.BenchmarkSearch. The index's size is the
// pages of the FTS5 tables (dbstat).
func BenchmarkSearch(b *testing.B) {
	chattest.BenchmarkSearch(b, func(b *testing.B) chattest.SearchBenchStore {
		path := filepath.Join(b.TempDir(), "openchat.db")
		s, err := sqlite.Open(context.Background(), path, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		db, err := sql.Open("sqlite", "file:"+path)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		return chattest.SearchBenchStore{
			Store: s,
			Unindex: func(ctx context.Context) error {
				return s.DropSearchIndex(ctx)
			},
			IndexBytes: func(ctx context.Context) (int64, error) {
				var n int64
				err := db.QueryRowContext(ctx, `SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'messages_fts%'`).Scan(&n)
				return n, err
			},
		}
	})
}

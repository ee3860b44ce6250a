package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/open-chat/openchat/internal/chat/chattest"
	"github.com/open-chat/openchat/internal/postgres"
	"github.com/open-chat/openchat/internal/postgres/pgtest"
)

// BenchmarkSearch: see chattest.BenchmarkSearch. The indexer runs after
// each chunk of appends, timed with them. The index's size is the
// message_search table with its indexes (0020) and the created_at index
// of messages (0005) (after VACUUM ANALYZE, so the GIN pending list is
// merged and the planner has statistics).
func BenchmarkSearch(b *testing.B) {
	chattest.BenchmarkSearch(b, func(b *testing.B) chattest.SearchBenchStore {
		url := pgtest.NewDatabase(b)
		s, err := postgres.Open(context.Background(), url, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		pool, err := pgxpool.New(context.Background(), url)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(pool.Close)
		return chattest.SearchBenchStore{
			Store: s,
			Unindex: func(ctx context.Context) error {
				_, err := pool.Exec(ctx, `DROP TABLE message_search, search_marks; DROP INDEX messages_created_at`)
				return err
			},
			Index: func(ctx context.Context) error { _, err := s.IndexSearch(ctx, nil); return err },
			IndexBytes: func(ctx context.Context) (int64, error) {
				if _, err := pool.Exec(ctx, `VACUUM ANALYZE messages, message_search`); err != nil {
					return 0, err
				}
				var n int64
				err := pool.QueryRow(ctx, `SELECT pg_total_relation_size('message_search') + pg_relation_size('messages_created_at')`).Scan(&n)
				return n, err
			},
		}
	})
}

package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/open-chat/openchat/internal/chat/chattest"
	"github.com/open-chat/openchat/internal/postgres"
	"github.com/open-chat/openchat/internal/postgres/pgtest"
)

// BenchmarkSearch: see chattest.BenchmarkSearch. The index's size is the
// GIN index, the created_at, author and room indexes (0005, 0011) and the
// stored tsvector column (after VACUUM ANALYZE, so the
// GIN pending list is merged and the planner has statistics).
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
				_, err := pool.Exec(ctx, `ALTER TABLE messages DROP COLUMN search; DROP INDEX messages_created_at, messages_author_created`)
				return err
			},
			IndexBytes: func(ctx context.Context) (int64, error) {
				if _, err := pool.Exec(ctx, `VACUUM ANALYZE messages`); err != nil {
					return 0, err
				}
				var n int64
				err := pool.QueryRow(ctx, `SELECT pg_relation_size('messages_search') + pg_relation_size('messages_created_at') + pg_relation_size('messages_author_created') + (SELECT coalesce(sum(pg_column_size(search)), 0) FROM messages)`).Scan(&n)
				return n, err
			},
		}
	})
}

package postgres_test

import (
	"context"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/chat/chattest"
	"github.com/open-chat/openchat/internal/postgres"
	"github.com/open-chat/openchat/internal/postgres/pgtest"
)

func BenchmarkStore(b *testing.B) {
	chattest.BenchmarkStore(b, func(b *testing.B) chat.Store { return postgres.OpenTest(b) })
}

func BenchmarkStoreConcurrent(b *testing.B) {
	chattest.BenchmarkStoreConcurrent(b, func(b *testing.B) chat.Store { return postgres.OpenTest(b) })
}

// BenchmarkStorePaced: 1,000 msg/s over 1,000 rooms for 5 s (after a first
// second timed apart), the fan-out load test's rate; reports append
// latency percentiles. The store is a server's (OpenServer); with
// OPENCHAT_BENCH_COLD set, a command's (Open). OPENCHAT_BENCH_POOL adds pool
// settings to its URL, e.g. pool_max_conn_lifetime=3s to time the
// replacement of connections under load.
func BenchmarkStorePaced(b *testing.B) {
	chattest.BenchmarkStorePaced(b, func(b *testing.B) chat.Store {
		params, err := url.ParseQuery(os.Getenv("OPENCHAT_BENCH_POOL"))
		if err != nil {
			b.Fatalf("OPENCHAT_BENCH_POOL: %v", err)
		}
		open := postgres.OpenServer
		if os.Getenv("OPENCHAT_BENCH_COLD") != "" {
			open = postgres.Open
		}
		s, err := open(context.Background(), pgtest.WithParams(b, pgtest.NewDatabase(b), params), nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = s.Close() })
		return s
	}, 1000, 1000, 5*time.Second)
}

package postgres

import (
	"context"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/postgres/pgtest"
)

// TestServerPool: a server's store (OpenServer) returns with its pool
// full and keeps it full while idle, unless the URL sets pool_min_conns;
// a command's (Open) lets idle connections close. pgxpool closes idle
// ones after 30 minutes; here after 50 ms, checked every 20 ms.
func TestServerPool(t *testing.T) {
	fast := url.Values{"pool_max_conn_idle_time": {"50ms"}, "pool_health_check_period": {"20ms"}}
	tests := []struct {
		name   string
		open   func(context.Context, string, *slog.Logger) (*Store, error)
		params url.Values
		opened int32 // on return; 0: fewer than PoolConns
		idle   int32 // after idling
	}{
		{"server, idle connections closed fast", OpenServer, fast, PoolConns, PoolConns},
		{"server, pool_min_conns=2", OpenServer, url.Values{"pool_max_conn_idle_time": {"50ms"}, "pool_health_check_period": {"20ms"}, "pool_min_conns": {"2"}}, PoolConns, 2},
		{"command", Open, fast, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := tt.open(context.Background(), pgtest.WithParams(t, pgtest.NewDatabase(t), tt.params), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			opened := s.Conns()
			if tt.opened != 0 && opened != tt.opened || tt.opened == 0 && opened >= PoolConns {
				t.Fatalf("%d connections on return; want %d (0: fewer than %d)", opened, tt.opened, PoolConns)
			}
			// Six times the idle time: a pool that lets idle connections
			// close has closed them by now (a full one fails here, as nothing
			// reopens them); a slow machine's health check gets 5 s more.
			time.Sleep(300 * time.Millisecond)
			for deadline := time.Now().Add(5 * time.Second); s.Conns() != tt.idle && time.Now().Before(deadline); {
				time.Sleep(20 * time.Millisecond)
			}
			if n := s.Conns(); n != tt.idle {
				t.Fatalf("%d connections after idling; want %d", n, tt.idle)
			}
			// Nothing opened meanwhile, so the idle closes are all the difference.
			if closed := s.PoolStats()[0].ClosedIdle; closed != int64(opened-tt.idle) {
				t.Fatalf("%d connections counted as closed for idling; want %d", closed, opened-tt.idle)
			}
			if err := s.Ping(context.Background()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestFillFails: a pool that cannot be filled says how many connections
// it has, and the store still serves.
func TestFillFails(t *testing.T) {
	s := OpenTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.fill(ctx); err == nil || !strings.Contains(err.Error(), "connections open") {
		t.Fatalf("fill: %v, want an error that counts the connections", err)
	}
	if err := s.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
}

package postgres

import (
	"context"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

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
			if st := s.PoolStats()[0]; st.Opened != int64(opened) || st.ClosedIdle != int64(opened-tt.idle) {
				t.Fatalf("%d connections counted as opened and %d as closed for idling; want %d and %d", st.Opened, st.ClosedIdle, opened, opened-tt.idle)
			}
			if err := s.Ping(context.Background()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestServerPoolCountsBroken: connections whose backends were terminated
// are found broken by the ping pgxpool gives a connection idle over a
// second when it is acquired, and replaced; the pool counts them as
// opened and not as closed, so opened - open - closed is the broken ones.
func TestServerPoolCountsBroken(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.NewDatabase(t)
	s, err := OpenServer(ctx, pgtest.WithParams(t, dbURL, url.Values{"pool_health_check_period": {"20ms"}}), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var pids []uint32
	for _, c := range s.pool.AcquireAllIdle(ctx) {
		pids = append(pids, c.Conn().PgConn().PID())
		c.Release()
	}
	other, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(ctx)
	var killed int
	if err := other.QueryRow(ctx, `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM unnest($1::int[]) AS pid`, pids).Scan(&killed); err != nil {
		t.Fatal(err)
	}
	if killed != PoolConns {
		t.Fatalf("terminated %d of the pool's backends; want %d", killed, PoolConns)
	}
	time.Sleep(1100 * time.Millisecond) // idle over a second: acquiring pings
	var held []*pgxpool.Conn
	for range PoolConns {
		c, err := s.pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	for _, c := range held {
		if _, err := c.Exec(ctx, `SELECT 1`); err != nil {
			t.Fatalf("an acquired connection is broken: %v", err)
		}
		c.Release()
	}
	st := s.PoolStats()[0]
	if broken := st.Opened - int64(st.Open) - st.ClosedIdle - st.ClosedOld; st.Open != PoolConns || broken != int64(killed) {
		t.Fatalf("%+v: %d open and %d broken; want %d and %d", st, st.Open, broken, PoolConns, killed)
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

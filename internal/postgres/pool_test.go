package postgres

import (
	"cmp"
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/postgres/pgtest"
)

// TestPoolConfig: the pool's size and its connections' lifetime (none by
// default) and the spread of their replacement, by default and as the URL
// sets them.
func TestPoolConfig(t *testing.T) {
	base := pgtest.NewDatabase(t)
	tests := []struct {
		params   map[string]string
		conns    int32
		lifetime time.Duration
		jitter   time.Duration
	}{
		{nil, PoolConns, 0, 0},
		{map[string]string{"pool_max_conns": "3"}, 3, 0, 0},
		{map[string]string{"pool_max_conn_lifetime": "1h"}, PoolConns, time.Hour, 10 * time.Minute},
		{map[string]string{"pool_max_conn_lifetime": "30m"}, PoolConns, 30 * time.Minute, 5 * time.Minute},
		{map[string]string{"pool_max_conn_lifetime": "1h", "pool_max_conn_lifetime_jitter": "0s"}, PoolConns, time.Hour, 0},
		{map[string]string{"pool_max_conn_lifetime": "1h", "pool_max_conn_lifetime_jitter": "1m"}, PoolConns, time.Hour, time.Minute},
	}
	for _, tt := range tests {
		params := url.Values{}
		for k, v := range tt.params {
			params.Set(k, v)
		}
		t.Run(cmp.Or(params.Encode(), "default"), func(t *testing.T) {
			s, err := Open(context.Background(), pgtest.WithParams(t, base, params), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			cfg := s.pool.Config()
			if cfg.MaxConns != tt.conns || cfg.MaxConnLifetime != tt.lifetime || cfg.MaxConnLifetimeJitter != tt.jitter {
				t.Fatalf("conns %d, lifetime %v, jitter %v; want %d, %v, %v",
					cfg.MaxConns, cfg.MaxConnLifetime, cfg.MaxConnLifetimeJitter, tt.conns, tt.lifetime, tt.jitter)
			}
		})
	}
}

// TestSetsParam: a pool setting is found in either connection string form,
// and a longer setting's name is not taken for a shorter one's.
func TestSetsParam(t *testing.T) {
	tests := []struct {
		conn, name string
		want       bool
	}{
		{"postgres://h/db?pool_max_conns=3", "pool_max_conns", true},
		{"host=h dbname=db pool_max_conns=3", "pool_max_conns", true},
		{"host=h dbname=db pool_max_conns = 3", "pool_max_conns", true},
		{"postgres://h/db?pool_max_conn_lifetime_jitter=1m", "pool_max_conn_lifetime", false},
		{"postgres://h/db?pool_max_conn_lifetime_jitter=1m", "pool_max_conn_lifetime_jitter", true},
		{"postgres://h/db", "pool_max_conns", false},
	}
	for _, tt := range tests {
		if got := setsParam(tt.conn, tt.name); got != tt.want {
			t.Errorf("setsParam(%q, %q) = %v, want %v", tt.conn, tt.name, got, tt.want)
		}
	}
}

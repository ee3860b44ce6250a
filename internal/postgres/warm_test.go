package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/open-chat/openchat/internal/postgres"
)

// TestWarm: a store just opened holds fewer connections than its pool may
// (the migrations'); warmed, it holds them all. A warm-up that cannot open
// them says how many it has, and the store still serves.
func TestWarm(t *testing.T) {
	tests := []struct {
		name    string
		ctx     func() context.Context
		conns   int32  // after; 0: fewer than PoolConns
		wantErr string // "" for none
	}{
		{"opens all", context.Background, postgres.PoolConns, ""},
		{"cancelled", func() context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}, 0, "connections open"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := postgres.OpenTest(t)
			if n := s.Conns(); n >= postgres.PoolConns {
				t.Fatalf("%d connections before warming; the test needs fewer than %d", n, postgres.PoolConns)
			}
			err := s.Warm(tt.ctx())
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("warm: %v, want error %q", err, tt.wantErr)
			}
			if n := s.Conns(); tt.conns != 0 && n != tt.conns || tt.conns == 0 && n >= postgres.PoolConns {
				t.Fatalf("%d connections after warming; want %d (0: fewer than %d)", n, tt.conns, postgres.PoolConns)
			}
			if err := s.Ping(context.Background()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

package postgres_test

import (
	"context"
	"testing"

	"github.com/open-chat/openchat/internal/postgres"
)

// TestWarm: a store just opened holds one connection (the migrations');
// warmed, it holds as many as its pool may, and they still serve.
func TestWarm(t *testing.T) {
	s := postgres.OpenTest(t)
	if n := s.Conns(); n >= int32(postgres.PoolConns) {
		t.Fatalf("%d connections before warming; the test needs fewer than %d", n, postgres.PoolConns)
	}
	if err := s.Warm(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := s.Conns(); n != int32(postgres.PoolConns) {
		t.Fatalf("%d connections after warming; want %d", n, postgres.PoolConns)
	}
	if err := s.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
}

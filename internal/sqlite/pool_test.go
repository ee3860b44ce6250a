package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"testing"
	"time"
)

// TestPools checks the pool limits and that reads proceed while the one
// writer holds a write transaction (the point of WAL plus a reader pool).
func TestPools(t *testing.T) {
	ctx := context.Background()
	s := OpenTest(t)
	tests := []struct {
		name  string
		query string
		want  string
	}{
		{"busy timeout", `PRAGMA busy_timeout`, fmt.Sprint(BusyTimeout.Milliseconds())},
		{"wal", `PRAGMA journal_mode`, "wal"},
		{"foreign keys", `PRAGMA foreign_keys`, "1"},
		{"reader is read-only", `PRAGMA query_only`, "1"},
		{"commits are synced", `PRAGMA synchronous`, "2"}, // FULL
		{"checkpoint threshold", `PRAGMA wal_autocheckpoint`, fmt.Sprint(WALAutoCheckpoint)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got string
			if err := s.r.QueryRowContext(ctx, tt.query).Scan(&got); err != nil || got != tt.want {
				t.Fatalf("%s = %q, %v; want %q", tt.query, got, err, tt.want)
			}
		})
	}
	if n := s.w.Stats().MaxOpenConnections; n != 1 {
		t.Fatalf("writer pool has %d connections, want 1", n)
	}
	if n := s.r.Stats().MaxOpenConnections; n != ReadConns {
		t.Fatalf("reader pool has %d connections, want %d", n, ReadConns)
	}

	tx, err := s.w.BeginTx(ctx, nil) // BEGIN IMMEDIATE: holds the write lock
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO users (id, username, display_name, email, password_hash, created_at) VALUES ('u', 'ada', 'Ada', 'a@b.c', 'x', 0)`); err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if _, err := s.Rooms(rctx); err != nil {
		t.Fatalf("read during a write transaction: %v", err)
	}
	if _, err := s.UserByUsername(rctx, "ada"); err == nil {
		t.Fatal("reader sees an uncommitted write")
	}
}

// TestPoolCountsOpened: each pool counts the connections it opens, a
// broken one's replacement included, so opened - open - closed is the
// connections that broke (database/sql counts none of these).
func TestPoolCountsOpened(t *testing.T) {
	ctx := context.Background()
	s := OpenTest(t)
	holdAll := func() []*sql.Conn {
		var held []*sql.Conn
		for range ReadConns {
			c, err := s.r.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			held = append(held, c)
		}
		return held
	}
	held := holdAll()
	// The first breaks: database/sql closes a connection whose use returned
	// driver.ErrBadConn, and the next caller that needs one more opens it.
	if err := held[0].Raw(func(any) error { return driver.ErrBadConn }); !errors.Is(err, driver.ErrBadConn) {
		t.Fatalf("Raw: %v", err)
	}
	for _, c := range held {
		c.Close()
	}
	for _, c := range holdAll() {
		c.Close()
	}
	want := map[string][2]int64{"writer": {1, 0}, "reader": {ReadConns + 1, 1}} // opened, broken
	for _, st := range s.PoolStats() {
		broken := st.Opened - int64(st.Open) - st.ClosedIdle - st.ClosedOld
		if w := want[st.Pool]; st.Opened != w[0] || broken != w[1] {
			t.Errorf("%s pool: %d opened, %d broken; want %d and %d", st.Pool, st.Opened, broken, w[0], w[1])
		}
	}
}

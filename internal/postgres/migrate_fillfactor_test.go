package postgres

import (
	"context"
	"testing"
)

// TestMemberFillfactor: after the migrations, room_members keeps 30 % of
// each page free (0012), so a read-mark update can stay on its page and
// write no index entries.
func TestMemberFillfactor(t *testing.T) {
	ctx := context.Background()
	s := OpenTest(t)
	var opts []string
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(reloptions, '{}') FROM pg_class WHERE oid = 'room_members'::regclass`).Scan(&opts); err != nil {
		t.Fatal(err)
	}
	if len(opts) != 1 || opts[0] != "fillfactor=70" {
		t.Fatalf("room_members options = %q, want [fillfactor=70]", opts)
	}
}

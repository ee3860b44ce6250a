package postgres

import (
	"context"
	"testing"

	"github.com/open-chat/openchat/internal/postgres/pgtest"
)

// TestMemberFillfactor: after the migrations, room_members keeps 30 % of
// each page free (0012), so a read-mark update can stay on its page and
// write no index entries.
func TestMemberFillfactor(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, pgtest.NewDatabase(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	var opts []string
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(reloptions, '{}') FROM pg_class WHERE oid = 'room_members'::regclass`).Scan(&opts); err != nil {
		t.Fatal(err)
	}
	if len(opts) != 1 || opts[0] != "fillfactor=70" {
		t.Fatalf("room_members options = %q, want [fillfactor=70]", opts)
	}
}

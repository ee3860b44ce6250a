package postgres

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestThreadOnlyUnreadPlan: the room list counts thread-only replies
// through migration 0013's partial index, not by reading a room's messages
// (sequential scans are off: an empty table would otherwise be read whole).
func TestThreadOnlyUnreadPlan(t *testing.T) {
	ctx := context.Background()
	s := OpenTest(t)
	var plan []string
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `EXPLAIN SELECT `+threadOnlyUnread+` FROM room_members rm WHERE rm.user_id = $1`, "u")
		if err != nil {
			return err
		}
		plan, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(plan, "\n"), "messages_thread_only") {
		t.Fatalf("plan does not use messages_thread_only:\n%s", strings.Join(plan, "\n"))
	}
}

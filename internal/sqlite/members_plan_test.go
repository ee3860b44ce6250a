package sqlite

import (
	"context"
	"strings"
	"testing"
)

// TestThreadOnlyUnreadPlan: the room list counts thread-only replies
// through migration 0013's partial index, not by reading a room's messages.
func TestThreadOnlyUnreadPlan(t *testing.T) {
	ctx := context.Background()
	s := OpenTest(t)
	rows, err := s.r.QueryContext(ctx, `EXPLAIN QUERY PLAN SELECT `+threadOnlyUnread+` FROM room_members rm WHERE rm.user_id = ?`, "u")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(plan, "\n"), "INDEX messages_thread_only") {
		t.Fatalf("plan does not use messages_thread_only:\n%s", strings.Join(plan, "\n"))
	}
}

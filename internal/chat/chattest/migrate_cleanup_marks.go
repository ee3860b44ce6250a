package chattest

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestCleanupMarksMigration checks migration 0015 on messages written
// under 0014: the client-id cleanup's walk starts at the oldest client id
// still set, or after the newest message if none is, so an existing
// database is not walked from its first message. old makes a fresh
// database at 0014 for each case.
func TestCleanupMarksMigration(t *testing.T, old func(t *testing.T) OldSchema) {
	tests := []struct {
		name      string
		clientIDs []string // of messages 1, 2, 3…, created a second apart
		walked    int64    // by the first batch after the migration
	}{
		{"oldest client id", []string{"", "c2", ""}, 2},
		{"no client id", []string{"", ""}, 0},
		{"no message", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := old(t)
			db.Exec(t, fmt.Sprintf(`INSERT INTO users (id, username, display_name, email, password_hash, created_at) VALUES
				('u-ada', 'ada', 'Ada', 'ada@example.org', 'h', %s)`, db.Time(base)))
			db.Exec(t, fmt.Sprintf(`INSERT INTO rooms (id, name, name_key, topic, visibility, created_by, created_at, last_seq, last_change) VALUES
				('r-1', 'General', 'general', '', 'public', 'u-ada', %s, %d, %[2]d)`, db.Time(base), len(tt.clientIDs)))
			for i, c := range tt.clientIDs {
				clientID := "NULL"
				if c != "" {
					clientID = "'" + c + "'"
				}
				db.Exec(t, fmt.Sprintf(`INSERT INTO messages (id, room_id, seq, author_id, body, client_id, created_at, change) VALUES
					('m-%d', 'r-1', %[1]d, 'u-ada', 'hi', %s, %s, %[1]d)`, i+1, clientID, db.Time(base.Add(time.Duration(i)*time.Second))))
			}
			s := db.Open(t)
			ctx := context.Background()
			later := base.Add(time.Hour)
			if n, err := s.ClearClientIDs(ctx, later, 10); err != nil || n != tt.walked {
				t.Fatalf("ClearClientIDs = %d, %v; want %d walked", n, err, tt.walked)
			}
			if n, err := s.ClearClientIDs(ctx, later, 10); err != nil || n != 0 {
				t.Fatalf("second ClearClientIDs = %d, %v; want 0", n, err)
			}
		})
	}
}

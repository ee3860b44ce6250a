package chattest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// TestChangedMessagesMigration checks migration 0018 on messages written
// under 0017: the messages that exist keep coming in the compacted log at
// their latest change (written since their creation or not), and so do
// messages posted, and old ones written, after the migration.
func TestChangedMessagesMigration(t *testing.T, db OldSchema) {
	db.Exec(t, fmt.Sprintf(`INSERT INTO users (id, username, display_name, email, password_hash, created_at) VALUES
		('u-ada', 'ada', 'Ada', 'ada@example.org', 'h', %s)`, db.Time(base)))
	// Posts 1-4 at changes 1-4, edits of 1 and 3 (5, 6), post 5 (7), a
	// reaction to 1 (8): seq:change 1:8 2:2 3:6 4:4 5:7.
	db.Exec(t, fmt.Sprintf(`INSERT INTO rooms (id, name, name_key, topic, visibility, created_by, created_at, last_seq, last_change) VALUES
		('r-1', 'General', 'general', '', 'public', 'u-ada', %s, 5, 8)`, db.Time(base)))
	for seq, change := range map[int]int{1: 8, 2: 2, 3: 6, 4: 4, 5: 7} {
		db.Exec(t, fmt.Sprintf(`INSERT INTO messages (id, room_id, seq, author_id, body, created_at, change) VALUES
			('m-%d', 'r-1', %[1]d, 'u-ada', 'hi', %s, %d)`, seq, db.Time(base.Add(time.Duration(seq)*time.Second)), change))
	}
	s := db.Open(t)
	checkCompactedLog(t, s, "r-1")
	ctx := context.Background()
	ada := chat.UserRef{ID: "u-ada", Username: "ada"}
	for i, write := range []func() error{
		func() error {
			_, _, err := s.AppendMessage(ctx, chat.NewMessage{ID: chat.NewID(), RoomID: "r-1", Author: ada, Body: "new"})
			return err
		},
		func() error {
			_, err := s.EditMessage(ctx, chat.MessageEdit{RoomID: "r-1", Seq: 2, Body: "edited"})
			return err
		},
		func() error {
			_, _, err := s.AppendMessage(ctx, chat.NewMessage{ID: chat.NewID(), RoomID: "r-1", Author: ada, Body: "newer"})
			return err
		},
		func() error { _, _, err := s.React(ctx, "r-1", 6, "u-ada", "👍", true); return err },
	} {
		if err := write(); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		checkCompactedLog(t, s, "r-1")
	}
}

package chattest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// OldSchema is a database at an earlier migration that a test fills with
// plain SQL (literal values only, so one text serves both engines) before
// opening it as a store, which applies the migrations after it.
type OldSchema struct {
	Exec func(t *testing.T, sql string)
	Time func(time.Time) string // a time as an SQL literal of the engine
	Open func(t *testing.T) chat.Store
}

// TestMembersMigration checks migrations 0002 and 0004 on data written
// under 0001. 0002:
// every room becomes public, its creator its owner, everyone who posted
// a member who has read up to their own last post.
func TestMembersMigration(t *testing.T, db OldSchema) {
	at := db.Time(base)
	db.Exec(t, fmt.Sprintf(`INSERT INTO users (id, username, display_name, email, password_hash, created_at) VALUES
		('u-ada', 'ada', 'Ada', 'ada@example.org', 'h', %[1]s), ('u-bob', 'bob', 'Bob', 'bob@example.org', 'h', %[1]s),
		('u-cy', 'cy', 'Cy', 'cy@example.org', 'h', %[1]s)`, at))
	db.Exec(t, fmt.Sprintf(`INSERT INTO rooms (id, name, name_key, topic, created_by, created_at, last_seq) VALUES
		('r-1', 'General', 'general', '', 'u-ada', %[1]s, 3), ('r-2', 'Quiet', 'quiet', '', 'u-bob', %[1]s, 0)`, at))
	db.Exec(t, fmt.Sprintf(`INSERT INTO messages (id, room_id, seq, author_id, body, created_at) VALUES
		('m-1', 'r-1', 1, 'u-bob', 'one', %[1]s), ('m-2', 'r-1', 2, 'u-cy', 'two', %[1]s), ('m-3', 'r-1', 3, 'u-bob', 'three', %[1]s)`, at))
	s := db.Open(t)
	ctx := context.Background()
	rooms, err := s.Rooms(ctx)
	if err != nil || len(rooms) != 2 || rooms[0].Visibility != chat.Public || rooms[1].Visibility != chat.Public {
		t.Fatalf("rooms after migration = %+v, %v", rooms, err)
	}
	want := map[string]string{ // user → their rooms as id:role:read:unread
		"u-ada": "[r-1:owner:0:3]",
		"u-bob": "[r-1:member:3:0 r-2:owner:0:0]",
		"u-cy":  "[r-1:member:2:1]",
	}
	for user, w := range want {
		mine, err := s.MyRooms(ctx, user, "")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range mine {
			got = append(got, fmt.Sprintf("%s:%s:%d:%d", r.ID, r.Role, r.LastReadSeq, r.Unread))
		}
		slices.Sort(got)
		if fmt.Sprint(got) != w {
			t.Errorf("%s's rooms = %v, want %s", user, got, w)
		}
	}
	// The migrated room takes new members and posts as any other.
	if added, err := s.AddMember(ctx, "r-2", "u-cy", chat.MemberRole, chat.NewTime(base)); err != nil || !added {
		t.Fatalf("AddMember after migration = %v, %v", added, err)
	}
	// Migration 0004: old messages keep their order in the change stream
	// (change = seq) and new changes follow.
	if ms, err := s.ChangesAfter(ctx, "r-1", 0, 10); err != nil || changesOf(ms) != "1:1 2:2 3:3 " {
		t.Fatalf("changes after migration = %s, %v", changesOf(ms), err)
	}
	if m, err := s.EditMessage(ctx, chat.MessageEdit{RoomID: "r-1", Seq: 1, Body: "one, edited"}); err != nil || m.Change != 4 {
		t.Fatalf("edit after migration: change %d, %v; want 4", m.Change, err)
	}
}

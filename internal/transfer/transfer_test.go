package transfer_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/postgres"
	"github.com/open-chat/openchat/internal/postgres/pgtest"
	"github.com/open-chat/openchat/internal/sqlite"
	"github.com/open-chat/openchat/internal/transfer"
)

// databases returns a migrated SQLite file (filled by fill, if given) and
// a migrated, empty PostgreSQL database, opened as Copy takes them.
func databases(t *testing.T, fill func(s chat.Store)) (*sql.DB, *pgxpool.Pool, string, string) {
	t.Helper()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "openchat.db")
	st, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if fill != nil {
		fill(st)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	url := pgtest.NewDatabase(t)
	pst, err := postgres.Open(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	pst.Close()
	src, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	dst, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(dst.Close)
	return src, dst, path, url
}

// TestTablesCoverSchemas fails when a migration of either store adds a
// table that transfer.Tables does not name (or drops one it names).
func TestTablesCoverSchemas(t *testing.T) {
	src, dst, _, _ := databases(t, nil)
	if err := transfer.Check(t.Context(), src, dst); err != nil {
		t.Fatal(err)
	}
}

// fill writes rows into every table: users, sessions, rooms, messages
// with mentions, uploads, notifications and mail batches.
func fill(t *testing.T, ctx context.Context, rooms, perRoom int) func(s chat.Store) {
	return func(s chat.Store) {
		now := time.Now()
		var users []chat.User
		for i := range 3 {
			u := chat.User{ID: chat.NewID(), Username: fmt.Sprintf("user%d", i), DisplayName: fmt.Sprintf("User %d", i),
				Email: fmt.Sprintf("u%d@example.org", i), EmailNotifications: chat.NotifyAlways, PasswordHash: "hash", CreatedAt: chat.NewTime(now)}
			if err := s.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			if err := s.CreateSession(ctx, chat.Session{ID: chat.NewID(), TokenHash: fmt.Sprintf("tok%d", i), UserID: u.ID,
				CreatedAt: chat.NewTime(now), ExpiresAt: chat.NewTime(now.Add(time.Hour))}); err != nil {
				t.Fatal(err)
			}
			users = append(users, u)
		}
		for r := range rooms {
			room := chat.Room{ID: chat.NewID(), Name: fmt.Sprintf("room-%d", r), Topic: "topic", Visibility: chat.Public,
				CreatedBy: users[0].ID, CreatedAt: chat.NewTime(now)}
			if err := s.CreateRoom(ctx, room); err != nil {
				t.Fatal(err)
			}
			if _, err := s.AddMember(ctx, room.ID, users[1].ID, chat.MemberRole, chat.NewTime(now)); err != nil {
				t.Fatal(err)
			}
			up := chat.Upload{ID: chat.NewID(), Name: "a.png", Size: 10, ContentType: "image/png", Width: 2, Height: 1,
				UploaderID: users[0].ID, Key: "files/a", CreatedAt: chat.NewTime(now)}
			if err := s.CreateUpload(ctx, up, 0); err != nil {
				t.Fatal(err)
			}
			for i := range perRoom {
				m := chat.NewMessage{ID: chat.NewID(), RoomID: room.ID, Author: users[i%2].Ref(), Body: fmt.Sprintf("message %d", i),
					ClientID: fmt.Sprintf("c-%d", i)}
				if i == 0 {
					m.Attachments = []chat.Upload{up.WithURLs()}
				}
				if i%3 == 0 {
					m.Mentions, m.MentionUserIDs = []string{users[2].Username}, []string{users[2].ID}
				}
				if _, _, err := s.AppendMessage(ctx, m); err != nil {
					t.Fatal(err)
				}
			}
			// Changes: an edit, a deletion and a reaction per room.
			if _, err := s.EditMessage(ctx, chat.MessageEdit{RoomID: room.ID, Seq: 2, Body: "edited"}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.DeleteMessage(ctx, room.ID, 3); err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.React(ctx, room.ID, 1, users[1].ID, "🎉", true); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.FormBatches(ctx, now.Add(time.Hour), 0); err != nil {
			t.Fatal(err)
		}
		// Moderation: a report, a password reset (and its mail batch), audit entries.
		first, err := s.Rooms(ctx)
		if err != nil || len(first) == 0 {
			t.Fatal(err)
		}
		m, err := s.MessageBySeq(ctx, first[0].ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.CreateReport(ctx, chat.Report{ID: chat.NewID(), Room: chat.RoomRef{ID: m.RoomID}, Seq: 1, MessageID: m.ID,
			Reporter: users[2].Ref(), Reason: "spam", CreatedAt: chat.NewTime(now)}); err != nil {
			t.Fatal(err)
		}
		audit := chat.AuditEntry{ActorID: users[0].ID, ActorName: users[0].Username, Action: chat.AuditPasswordReset,
			TargetType: chat.AuditTargetUser, TargetID: users[1].ID, CreatedAt: chat.NewTime(now)}
		if err := s.CreatePasswordReset(ctx, chat.PasswordReset{ID: chat.NewID(), UserID: users[1].ID, TokenHash: "reset",
			CreatedAt: chat.NewTime(now), ExpiresAt: chat.NewTime(now.Add(time.Hour))}, time.Minute, &audit); err != nil {
			t.Fatal(err)
		}
		if err := s.AppendAudit(ctx, audit); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCopy(t *testing.T) {
	ctx := t.Context()
	src, dst, path, url := databases(t, fill(t, ctx, 3, 40))
	counts, err := transfer.Copy(ctx, src, dst, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, c := range counts {
		got[c.Table] = c.Rows
	}
	want := map[string]int64{"users": 3, "sessions": 3, "rooms": 3, "room_members": 6, "messages": 120, "reactions": 3, "mentions": 42, "mail_batches": 2, "notifications": 42,
		"password_resets": 1, "audit_log": 2, "reports": 1, "uploads": 3, "message_uploads": 3}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("copied %v, want %v", got, want)
	}

	// Both stores answer the same: messages, mentions, users.
	sst, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sst.Close()
	pst, err := postgres.Open(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer pst.Close()
	rooms, err := sst.Rooms(ctx)
	if err != nil || len(rooms) != 3 {
		t.Fatalf("rooms %v, %v", rooms, err)
	}
	prooms, err := pst.Rooms(ctx)
	if err != nil || !reflect.DeepEqual(rooms, prooms) {
		t.Fatalf("rooms differ: %v %v / %v", err, rooms, prooms)
	}
	for _, r := range rooms {
		a, err1 := sst.Messages(ctx, r.ID, chat.MessageQuery{Limit: 100})
		b, err2 := pst.Messages(ctx, r.ID, chat.MessageQuery{Limit: 100})
		if err1 != nil || err2 != nil || len(a) != 40 || !reflect.DeepEqual(a, b) {
			t.Fatalf("room %s: messages differ (%v, %v): %d vs %d", r.Name, err1, err2, len(a), len(b))
		}
	}
	for _, r := range rooms {
		a, err1 := sst.Members(ctx, r.ID, chat.MemberCursor{}, 10)
		b, err2 := pst.Members(ctx, r.ID, chat.MemberCursor{}, 10)
		if err1 != nil || err2 != nil || len(a) != 2 || !reflect.DeepEqual(a, b) {
			t.Fatalf("room %s: members differ (%v, %v): %v vs %v", r.Name, err1, err2, a, b)
		}
	}
	mentioned, err := sst.UserByUsername(ctx, "user2")
	if err != nil {
		t.Fatal(err)
	}
	ma, _ := sst.Mentions(ctx, mentioned.ID, 0, 100)
	mb, _ := pst.Mentions(ctx, mentioned.ID, 0, 100)
	if len(ma) != 42 || !reflect.DeepEqual(ma, mb) {
		t.Fatalf("mentions differ: %d vs %d", len(ma), len(mb))
	}

	// PostgreSQL indexes the copied messages for search as SQLite did.
	q, _ := chat.ParseSearch("message 7 ")
	for _, st := range []chat.Store{sst, pst} {
		hits, err := st.SearchMessages(ctx, chat.MessageSearch{Query: q, ReaderID: mentioned.ID, Limit: 10})
		if err != nil || len(hits) != 3 {
			t.Fatalf("search %q after the copy: %d hits, %v; want one per room", "message 7", len(hits), err)
		}
	}

	// PostgreSQL carries on: the next seq and the next mention id follow.
	author, _ := pst.UserByUsername(ctx, "user0")
	m, _, err := pst.AppendMessage(ctx, chat.NewMessage{ID: chat.NewID(), RoomID: rooms[0].ID, Author: author.Ref(), Body: "after the move",
		Mentions: []string{"user2"}, MentionUserIDs: []string{mentioned.ID}})
	if err != nil || m.Seq != 41 || m.Change != 44 {
		t.Fatalf("append after copy: seq %d change %d, %v; want 41 and 44", m.Seq, m.Change, err)
	}
	mc, _ := pst.Mentions(ctx, mentioned.ID, 0, 1)
	if len(mc) != 1 || mc[0].ID <= ma[0].ID {
		t.Fatalf("new mention id %v does not follow %d", mc, ma[0].ID)
	}

	// A second copy into the now non-empty database is refused.
	if _, err := transfer.Copy(ctx, src, dst, nil); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("copy into a non-empty database: %v", err)
	}
}

// TestCopyRefusesUnknownTable: a table the list does not name stops the
// copy before anything is written.
func TestCopyRefusesUnknownTable(t *testing.T) {
	ctx := t.Context()
	src, dst, _, _ := databases(t, fill(t, ctx, 1, 3))
	if _, err := src.ExecContext(ctx, `CREATE TABLE room_stars (room_id TEXT, user_id TEXT)`); err != nil {
		t.Fatal(err)
	}
	_, err := transfer.Copy(ctx, src, dst, nil)
	if err == nil || !strings.Contains(err.Error(), "room_stars") {
		t.Fatalf("copy with an unknown table: %v", err)
	}
	var n int
	if err := dst.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("target has %d users after a refused copy (%v)", n, err)
	}
}

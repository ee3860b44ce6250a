// Package chattest holds the conformance suites every implementation of a
// chat interface runs, so SQLite and PostgreSQL (or memory and Redis) are
// held to one contract.
package chattest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// TestStore runs the Store contract against fresh stores from newStore,
// which must return an empty, migrated store and close it in t.Cleanup.
func TestStore(t *testing.T, newStore func(t *testing.T) chat.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s chat.Store)
	}{
		{"Ping", testPing},
		{"Users", testUsers},
		{"UserLookups", testUserLookups},
		{"UpdateUser", testUpdateUser},
		{"Sessions", testSessions},
		{"SessionList", testSessionList},
		{"SetPassword", testSetPassword},
		{"EmailUnique", testEmailUnique},
		{"VerifyEmail", testVerifyEmail},
		{"VerificationMail", testVerificationMail},
		{"TextRoundTrip", testTextRoundTrip},
		{"Rooms", testRooms},
		{"AppendMessage", testAppendMessage},
		{"AppendUnknownAuthor", testAppendUnknownAuthor},
		{"MessagePages", testMessagePages},
		{"ClientID", testClientID},
		{"ClientIDConcurrent", testClientIDConcurrent},
		{"ConcurrentSeq", testConcurrentSeq},
		{"ConcurrentAppends", testConcurrentAppends},
		{"Mentions", testMentions},
		{"FormBatches", testFormBatches},
		{"BatchLifecycle", testBatchLifecycle},
		{"RetryAndDefer", testRetryAndDefer},
		{"ClaimExclusive", testClaimExclusive},
		{"OutboxStats", testOutboxStats},
		{"Members", testMembers},
		{"OwnerHandoff", testOwnerHandoff},
		{"Visibility", testVisibility},
		{"DirectRooms", testDirectRooms},
		{"DirectRoomsConcurrent", testDirectRoomsConcurrent},
		{"ReadState", testReadState},
		{"DirectNotifications", testDirectNotifications},
		{"Changes", testChanges},
		{"ChangeMentions", testChangeMentions},
		{"ChangesConcurrent", testChangesConcurrent},
		{"ChangesMixed", testChangesMixed},
		{"Replies", testReplies},
		{"SearchMatching", testSearchMatching},
		{"SearchFilters", testSearchFilters},
		{"SearchReaders", testSearchReaders},
		{"SearchPaging", testSearchPaging},
		{"SearchRoomBounds", testSearchRoomBounds},
		{"SearchFilterPages", testSearchFilterPages},
		{"SearchChanges", testSearchChanges},
		{"MessagesByAuthor", testMessagesByAuthor},
		{"ReactionsByUser", testReactionsByUser},
		{"EraseUser", testEraseUser},
		{"DeleteExpiredSessions", testDeleteExpiredSessions},
		{"DeleteExpiredResets", testDeleteExpiredResets},
		{"DeleteMailHistory", testDeleteMailHistory},
		{"ClearClientIDs", testClearClientIDs},
		{"LiveMessagesBefore", testLiveMessagesBefore},
		{"FirstAdmin", testFirstAdmin},
		{"SetAdmin", testSetAdmin},
		{"Deactivate", testDeactivate},
		{"AdminLists", testAdminLists},
		{"ArchiveAndDeleteRoom", testArchiveAndDeleteRoom},
		{"DeleteRoomWhileAppending", testDeleteRoomWhileAppending},
		{"AuditLog", testAuditLog},
		{"Reports", testReports},
		{"PasswordReset", testPasswordReset},
		{"UserByEmail", testUserByEmail},
		{"Uploads", testUploads},
		{"UploadQuota", testUploadQuota},
		{"Attachments", testAttachments},
		{"OrphanUploads", testOrphanUploads},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newStore(t)) })
	}
}

func testPing(t *testing.T, s chat.Store) {
	if err := s.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

// wantCode fails unless err carries the domain code (or is nil for "").
func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := chat.ErrorCode(err); got != code {
		t.Fatalf("%s: error %v has code %q, want %q", what, err, got, code)
	}
}

// base is a fixed instant for stored times that tests compare exactly.
var base = time.Date(2030, 1, 2, 3, 4, 5, 6_000_000, time.UTC)

func newUser(t *testing.T, s chat.Store, name string) chat.User {
	t.Helper()
	u := chat.User{ID: chat.NewID(), Username: name, DisplayName: "The " + name, Email: name + "@example.org",
		EmailNotifications: chat.NotifyAlways, Language: chat.English, PasswordHash: "hash-" + name, CreatedAt: chat.NewTime(base)}
	if err := s.CreateUser(context.Background(), u); err != nil {
		t.Fatalf("CreateUser(%s): %v", name, err)
	}
	return u
}

func newRoom(t *testing.T, s chat.Store, owner chat.User, name string) chat.Room {
	t.Helper()
	r := chat.Room{ID: chat.NewID(), Name: name, Topic: "about " + name, Visibility: chat.Public, CreatedBy: owner.ID, CreatedAt: chat.NewTime(base)}
	if err := s.CreateRoom(context.Background(), r); err != nil {
		t.Fatalf("CreateRoom(%s): %v", name, err)
	}
	return r
}

func post(t *testing.T, s chat.Store, r chat.Room, author chat.User, body string, mentioned ...chat.User) chat.Message {
	t.Helper()
	nm := chat.NewMessage{ID: chat.NewID(), RoomID: r.ID, Author: author.Ref(), Body: body}
	for _, u := range mentioned {
		nm.Mentions = append(nm.Mentions, u.Username)
		nm.MentionUserIDs = append(nm.MentionUserIDs, u.ID)
	}
	m, created, err := s.AppendMessage(context.Background(), nm)
	if err != nil || !created {
		t.Fatalf("AppendMessage(%q) = created %v, %v", body, created, err)
	}
	return m
}

func testUsers(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada := newUser(t, s, "ada")
	tests := []struct {
		name string
		get  func() (chat.User, error)
		code string
	}{
		{"by id", func() (chat.User, error) { return s.UserByID(ctx, ada.ID) }, ""},
		{"by username", func() (chat.User, error) { return s.UserByUsername(ctx, "ada") }, ""},
		{"by username other case", func() (chat.User, error) { return s.UserByUsername(ctx, "ADA") }, ""},
		{"unknown id", func() (chat.User, error) { return s.UserByID(ctx, chat.NewID()) }, chat.ENOTFOUND},
		{"unknown username", func() (chat.User, error) { return s.UserByUsername(ctx, "nobody") }, chat.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := tt.get()
			wantCode(t, tt.name, err, tt.code)
			if err == nil && !sameUser(u, ada) {
				t.Fatalf("got %+v, want %+v", u, ada)
			}
		})
	}
	for _, name := range []string{"ada", "Ada"} {
		u := ada
		u.ID, u.Username, u.Email = chat.NewID(), name, "other@example.org"
		err := s.CreateUser(ctx, u)
		wantCode(t, "CreateUser duplicate "+name, err, chat.ECONFLICT)
		if chat.ErrorMessage(err) != "username is taken" {
			t.Errorf("duplicate message = %q", chat.ErrorMessage(err))
		}
	}
}

func sameUser(a, b chat.User) bool {
	return a.ID == b.ID && a.Username == b.Username && a.DisplayName == b.DisplayName && a.Email == b.Email && a.EmailVerified == b.EmailVerified &&
		a.EmailNotifications == b.EmailNotifications && a.PasswordHash == b.PasswordHash && a.CreatedAt.Equal(b.CreatedAt.Time) &&
		a.Language == b.Language
}

func testUserLookups(t *testing.T, s chat.Store) {
	ctx := context.Background()
	names := []string{"a_b", "axb", "ada", "bob", "b.o"}
	ids := map[string]string{}
	for _, n := range names {
		ids[n] = newUser(t, s, n).ID
	}
	usernames := func(us []chat.User) map[string]bool {
		m := map[string]bool{}
		for _, u := range us {
			m[u.Username] = true
		}
		return m
	}
	tests := []struct {
		name string
		get  func() ([]chat.User, error)
		want []string
	}{
		{"by usernames", func() ([]chat.User, error) { return s.UsersByUsernames(ctx, []string{"ada", "bob", "nobody"}) }, []string{"ada", "bob"}},
		{"by no usernames", func() ([]chat.User, error) { return s.UsersByUsernames(ctx, nil) }, nil},
		{"by ids", func() ([]chat.User, error) { return s.UsersByIDs(ctx, []string{ids["axb"], chat.NewID(), ids["b.o"]}) }, []string{"axb", "b.o"}},
		{"by no ids", func() ([]chat.User, error) { return s.UsersByIDs(ctx, []string{}) }, nil},
		{"search a", func() ([]chat.User, error) { return s.SearchUsers(ctx, "a", 10) }, []string{"a_b", "ada", "axb"}},
		{"search limit", func() ([]chat.User, error) { return s.SearchUsers(ctx, "a", 2) }, []string{"a_b", "ada"}},
		{"search underscore is literal", func() ([]chat.User, error) { return s.SearchUsers(ctx, "a_", 10) }, []string{"a_b"}},
		{"search dot", func() ([]chat.User, error) { return s.SearchUsers(ctx, "b.", 10) }, []string{"b.o"}},
		{"search percent", func() ([]chat.User, error) { return s.SearchUsers(ctx, "%", 10) }, nil},
		{"search none", func() ([]chat.User, error) { return s.SearchUsers(ctx, "zz", 10) }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			us, err := tt.get()
			if err != nil {
				t.Fatal(err)
			}
			got := usernames(us)
			if len(us) != len(tt.want) || len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for _, n := range tt.want {
				if !got[n] {
					t.Fatalf("got %v, want %v", got, tt.want)
				}
			}
			if len(tt.want) > 1 && strings.HasPrefix(tt.name, "search") {
				for i := range tt.want {
					if us[i].Username != tt.want[i] {
						t.Fatalf("search order: got %s at %d, want %s", us[i].Username, i, tt.want[i])
					}
				}
			}
		})
	}
}

func testUpdateUser(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada := newUser(t, s, "ada")
	name, never, es := "Countess", chat.NotifyNever, chat.Spanish
	tests := []struct {
		name string
		id   string
		p    chat.UserPatch
		want func(u chat.User) chat.User
		code string
	}{
		{"nothing", ada.ID, chat.UserPatch{}, func(u chat.User) chat.User { return u }, ""},
		{"display name", ada.ID, chat.UserPatch{DisplayName: &name}, func(u chat.User) chat.User { u.DisplayName = name; return u }, ""},
		{"preference", ada.ID, chat.UserPatch{EmailNotifications: &never}, func(u chat.User) chat.User { u.EmailNotifications = never; return u }, ""},
		{"language", ada.ID, chat.UserPatch{Language: &es}, func(u chat.User) chat.User { u.Language = es; return u }, ""},
		{"unknown", chat.NewID(), chat.UserPatch{DisplayName: &name}, nil, chat.ENOTFOUND},
	}
	cur := ada
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := s.UpdateUser(ctx, tt.id, tt.p)
			wantCode(t, "UpdateUser", err, tt.code)
			if err != nil {
				return
			}
			cur = tt.want(cur)
			if !sameUser(u, cur) {
				t.Fatalf("returned %+v, want %+v", u, cur)
			}
			if got, _ := s.UserByID(ctx, ada.ID); !sameUser(got, cur) {
				t.Fatalf("stored %+v, want %+v", got, cur)
			}
		})
	}
}

func testSessions(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada := newUser(t, s, "ada")
	sess := chat.Session{ID: "s1", TokenHash: "h1", UserID: ada.ID, CreatedAt: chat.NewTime(base), ExpiresAt: chat.NewTime(base.Add(time.Hour)),
		LastSeenAt: chat.NewTime(base), UserAgent: "Agent/1", Address: "192.0.2.1"}
	if err := s.CreateSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		token string
		now   time.Time
		code  string
	}{
		{"fresh", "h1", base, ""},
		{"just before expiry", "h1", base.Add(time.Hour - time.Millisecond), ""},
		{"at expiry", "h1", base.Add(time.Hour), chat.ENOTFOUND},
		{"after expiry", "h1", base.Add(2 * time.Hour), chat.ENOTFOUND},
		{"unknown", "nope", base, chat.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, got, err := s.SessionUser(ctx, tt.token, tt.now)
			wantCode(t, "SessionUser", err, tt.code)
			if err == nil && (!sameUser(u, ada) || !sameSession(got, sess)) {
				t.Fatalf("got %+v, %+v", u, got)
			}
		})
	}
	for i := range 2 { // deleting a missing session is fine
		if err := s.DeleteSession(ctx, "h1"); err != nil {
			t.Fatalf("DeleteSession #%d: %v", i, err)
		}
	}
	_, _, err := s.SessionUser(ctx, "h1", base)
	wantCode(t, "SessionUser after delete", err, chat.ENOTFOUND)
}

func testRooms(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada := newUser(t, s, "ada")
	rooms, err := s.Rooms(ctx)
	if err != nil || len(rooms) != 0 {
		t.Fatalf("Rooms on empty store = %v, %v", rooms, err)
	}
	var made []chat.Room
	for _, n := range []string{"beta", "Alpha", "gamma", "Été"} {
		made = append(made, newRoom(t, s, ada, n))
	}
	for _, n := range []string{"BETA", "alpha", "été", "ÉTÉ"} {
		err := s.CreateRoom(ctx, chat.Room{ID: chat.NewID(), Name: n, Visibility: chat.Public, CreatedBy: ada.ID, CreatedAt: chat.NewTime(base)})
		wantCode(t, "CreateRoom duplicate "+n, err, chat.ECONFLICT)
		if chat.ErrorMessage(err) != "room name is taken" {
			t.Errorf("duplicate message = %q", chat.ErrorMessage(err))
		}
	}
	got, err := s.RoomByID(ctx, made[0].ID)
	if err != nil || got.ID != made[0].ID || got.Name != "beta" || got.Topic != "about beta" || got.CreatedBy != ada.ID || !got.CreatedAt.Equal(base.Truncate(time.Millisecond)) {
		t.Fatalf("RoomByID = %+v, %v", got, err)
	}
	_, err = s.RoomByID(ctx, chat.NewID())
	wantCode(t, "RoomByID unknown", err, chat.ENOTFOUND)
	rooms, err = s.Rooms(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range rooms {
		names = append(names, r.Name)
	}
	if fmt.Sprint(names) != "[Alpha beta gamma Été]" {
		t.Fatalf("Rooms order = %v", names)
	}
}

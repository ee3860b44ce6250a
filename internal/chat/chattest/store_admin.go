package chattest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

func audit(actor chat.User, action, targetID string, at time.Time) chat.AuditEntry {
	return chat.AuditEntry{ActorID: actor.ID, ActorName: actor.Username, Action: action, TargetType: chat.AuditTargetUser,
		TargetID: targetID, Details: json.RawMessage(`{"k":"v"}`), CreatedAt: chat.NewTime(at)}
}

// testFirstAdmin: the first account is admin, later ones are not, and
// that holds when many sign up at once.
func testFirstAdmin(t *testing.T, s chat.Store) {
	ctx := context.Background()
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			u := chat.User{ID: chat.NewID(), Username: "user" + string(rune('a'+i)), DisplayName: "u", Email: "u" + string(rune('a'+i)) + "@example.org",
				PasswordHash: "h", CreatedAt: chat.NewTime(base)}
			errs[i] = s.CreateUser(ctx, u)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
	}
	us, err := s.Users(ctx, chat.UserQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	admins := 0
	for _, u := range us {
		if u.Admin {
			admins++
		}
	}
	if len(us) != n || admins != 1 {
		t.Fatalf("%d users, %d admins; want %d and 1", len(us), admins, n)
	}
}

func testSetAdmin(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada, bob := newUser(t, s, "ada"), newUser(t, s, "bob")
	if !mustUser(t, s, ada.ID).Admin || mustUser(t, s, bob.ID).Admin {
		t.Fatal("want ada (first) admin, bob not")
	}
	_, err := s.SetAdmin(ctx, ada.ID, false, audit(ada, chat.AuditAdminRevoke, ada.ID, base))
	wantCode(t, "revoke the last admin", err, chat.ECONFLICT)
	u, err := s.SetAdmin(ctx, bob.ID, true, audit(ada, chat.AuditAdminGrant, bob.ID, base))
	if err != nil || !u.Admin {
		t.Fatalf("grant bob = %+v, %v", u, err)
	}
	if u, err = s.SetAdmin(ctx, ada.ID, false, audit(bob, chat.AuditAdminRevoke, ada.ID, base)); err != nil || u.Admin {
		t.Fatalf("revoke ada = %+v, %v", u, err)
	}
	_, err = s.SetAdmin(ctx, chat.NewID(), true, audit(bob, chat.AuditAdminGrant, "x", base))
	wantCode(t, "unknown user", err, chat.ENOTFOUND)
	// A deactivated admin does not count as the one left.
	if _, err := s.SetAdmin(ctx, ada.ID, true, audit(bob, chat.AuditAdminGrant, ada.ID, base)); err != nil {
		t.Fatal(err)
	}
	now := base
	if _, _, err := s.SetDeactivated(ctx, ada.ID, &now, audit(bob, chat.AuditDeactivate, ada.ID, base)); err != nil {
		t.Fatal(err)
	}
	_, err = s.SetAdmin(ctx, bob.ID, false, audit(bob, chat.AuditAdminRevoke, bob.ID, base))
	wantCode(t, "revoke the last active admin", err, chat.ECONFLICT)
	page, err := s.AuditLog(ctx, chat.AuditQuery{Limit: 10})
	if err != nil || len(page) != 4 { // three grants/revokes and the deactivation; the refused ones wrote nothing
		t.Fatalf("audit = %d entries, %v; want 4", len(page), err)
	}
}

func mustUser(t *testing.T, s chat.Store, id string) chat.User {
	t.Helper()
	u, err := s.UserByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func testDeactivate(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada, bob := newUser(t, s, "ada"), newUser(t, s, "bob")
	b1, b2 := newSession(t, s, bob, "b1", base), newSession(t, s, bob, "b2", base)
	a1 := newSession(t, s, ada, "a1", base)
	room := newRoom(t, s, ada, "general")
	if _, err := s.AddMember(ctx, room.ID, bob.ID, chat.MemberRole, chat.NewTime(base)); err != nil {
		t.Fatal(err)
	}
	post(t, s, room, bob, "hello")
	at := base.Add(time.Minute)
	u, ended, err := s.SetDeactivated(ctx, bob.ID, &at, audit(ada, chat.AuditDeactivate, bob.ID, at))
	if err != nil || u.DeactivatedAt == nil || !u.DeactivatedAt.Equal(chat.NewTime(at).Time) {
		t.Fatalf("deactivate = %+v, %v", u, err)
	}
	if len(ended) != 2 || !(ended[0] == b1.TokenHash || ended[1] == b1.TokenHash) || !(ended[0] == b2.TokenHash || ended[1] == b2.TokenHash) {
		t.Fatalf("ended %v, want bob's two sessions", ended)
	}
	_, _, err = s.SessionUser(ctx, a1.TokenHash, base)
	wantCode(t, "ada's session", err, "")
	_, _, err = s.SessionUser(ctx, b1.TokenHash, base)
	wantCode(t, "bob's session", err, chat.ENOTFOUND)
	// A session created after deactivation (a racing sign-in) still finds no user.
	b3 := newSession(t, s, bob, "b3", base)
	_, _, err = s.SessionUser(ctx, b3.TokenHash, base)
	wantCode(t, "session of a deactivated user", err, chat.ENOTFOUND)
	ms, err := s.Members(ctx, room.ID, chat.MemberCursor{}, 10)
	if err != nil || len(ms) != 2 {
		t.Fatalf("members %v, %v", ms, err)
	}
	for _, m := range ms {
		if m.Deactivated != (m.User.ID == bob.ID) {
			t.Errorf("member %s deactivated = %v", m.User.Username, m.Deactivated)
		}
	}
	page, err := s.Messages(ctx, room.ID, chat.MessageQuery{Limit: 10})
	if err != nil || len(page) != 1 {
		t.Fatalf("bob's message must stay: %v, %v", page, err)
	}
	if u, _, err = s.SetDeactivated(ctx, bob.ID, nil, audit(ada, chat.AuditReactivate, bob.ID, at)); err != nil || u.DeactivatedAt != nil {
		t.Fatalf("reactivate = %+v, %v", u, err)
	}
	_, _, err = s.SetDeactivated(ctx, chat.NewID(), &at, audit(ada, chat.AuditDeactivate, "x", at))
	wantCode(t, "unknown user", err, chat.ENOTFOUND)
}

func testAdminLists(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada := newUser(t, s, "ada")
	for _, n := range []string{"bob", "carol", "dave_x", "davex"} {
		newUser(t, s, n)
	}
	tests := []struct {
		name string
		q    chat.UserQuery
		want []string
	}{
		{"all", chat.UserQuery{Limit: 10}, []string{"ada", "bob", "carol", "dave_x", "davex"}},
		{"page", chat.UserQuery{After: "bob", Limit: 2}, []string{"carol", "dave_x"}},
		{"by name", chat.UserQuery{Q: "ar", Limit: 10}, []string{"carol"}},
		{"underscore is literal", chat.UserQuery{Q: "e_", Limit: 10}, []string{"dave_x"}},
		{"by e-mail", chat.UserQuery{Q: "bob@example", Limit: 10}, []string{"bob"}},
	}
	for _, tt := range tests {
		us, err := s.Users(ctx, tt.q)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, u := range us {
			got = append(got, u.Username)
		}
		if !equalStrings(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
	pub := newRoom(t, s, ada, "Beta")
	priv := chat.Room{ID: chat.NewID(), Name: "alpha", Visibility: chat.Private, CreatedBy: ada.ID, CreatedAt: chat.NewTime(base)}
	if err := s.CreateRoom(ctx, priv); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CreateDirectRoom(ctx, chat.Room{ID: chat.NewID(), Visibility: chat.Direct, CreatedBy: ada.ID,
		CreatedAt: chat.NewTime(base)}, []string{ada.ID, mustUserByName(t, s, "bob").ID}); err != nil {
		t.Fatal(err)
	}
	rooms, err := s.AdminRooms(ctx, chat.AdminRoomQuery{Limit: 10})
	if err != nil || len(rooms) != 2 || rooms[0].ID != priv.ID || rooms[1].ID != pub.ID {
		t.Fatalf("admin rooms = %v, %v; want alpha (private), Beta; no direct room", rooms, err)
	}
	rooms, err = s.AdminRooms(ctx, chat.AdminRoomQuery{AfterKey: "alpha\x00" + priv.ID, Limit: 10})
	if err != nil || len(rooms) != 1 || rooms[0].ID != pub.ID {
		t.Fatalf("second page = %v, %v", rooms, err)
	}
	rooms, err = s.AdminRooms(ctx, chat.AdminRoomQuery{Q: "bet", Limit: 10})
	if err != nil || len(rooms) != 1 || rooms[0].ID != pub.ID {
		t.Fatalf("search = %v, %v", rooms, err)
	}
	testAdminRoomsFold(t, s, ada, []string{"alpha", "Beta"})
}

func mustUserByName(t *testing.T, s chat.Store, name string) chat.User {
	t.Helper()
	u, err := s.UserByUsername(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func testArchiveAndDeleteRoom(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada, bob := newUser(t, s, "ada"), newUser(t, s, "bob")
	room, other := newRoom(t, s, ada, "general"), newRoom(t, s, ada, "other")
	if _, err := s.AddMember(ctx, room.ID, bob.ID, chat.MemberRole, chat.NewTime(base)); err != nil {
		t.Fatal(err)
	}
	at := base.Add(time.Hour)
	r, err := s.SetRoomArchived(ctx, room.ID, &at, audit(ada, chat.AuditRoomArchive, room.ID, at))
	if err != nil || r.ArchivedAt == nil || !r.ArchivedAt.Equal(chat.NewTime(at).Time) {
		t.Fatalf("archive = %+v, %v", r, err)
	}
	if r, _ = s.RoomByID(ctx, room.ID); r.ArchivedAt == nil {
		t.Fatal("RoomByID lost archived_at")
	}
	if r, err = s.SetRoomArchived(ctx, room.ID, nil, audit(ada, chat.AuditRoomUnarchive, room.ID, at)); err != nil || r.ArchivedAt != nil {
		t.Fatalf("unarchive = %+v, %v", r, err)
	}
	_, err = s.SetRoomArchived(ctx, chat.NewID(), &at, audit(ada, chat.AuditRoomArchive, "x", at))
	wantCode(t, "archive unknown", err, chat.ENOTFOUND)

	// Everything that refers to the room goes with it: mentions,
	// notifications, reactions, reports; the other room stays.
	m := post(t, s, room, ada, "hi @bob", bob)
	post(t, s, other, ada, "hi @bob", bob)
	if _, _, err := s.React(ctx, room.ID, m.Seq, bob.ID, "👍", true); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateReport(ctx, chat.Report{ID: chat.NewID(), Room: chat.RoomRef{ID: room.ID}, Seq: m.Seq, MessageID: m.ID,
		Reporter: bob.Ref(), Reason: "rude", CreatedAt: chat.NewTime(base)}); err != nil {
		t.Fatal(err)
	}
	members, err := s.DeleteRoom(ctx, room.ID, audit(ada, chat.AuditRoomDelete, room.ID, at))
	if err != nil || !equalStrings(members, sorted(ada.ID, bob.ID)) {
		t.Fatalf("DeleteRoom = %v, %v", members, err)
	}
	_, err = s.RoomByID(ctx, room.ID)
	wantCode(t, "deleted room", err, chat.ENOTFOUND)
	mentions, err := s.Mentions(ctx, bob.ID, 0, 10)
	if err != nil || len(mentions) != 1 || mentions[0].Room.ID != other.ID {
		t.Fatalf("mentions after delete = %v, %v", mentions, err)
	}
	reports, err := s.Reports(ctx, chat.ReportQuery{Status: chat.ReportOpen, Limit: 10})
	if err != nil || len(reports) != 0 {
		t.Fatalf("reports after delete = %v, %v", reports, err)
	}
	_, err = s.DeleteRoom(ctx, room.ID, audit(ada, chat.AuditRoomDelete, room.ID, at))
	wantCode(t, "delete twice", err, chat.ENOTFOUND)
	log, err := s.AuditLog(ctx, chat.AuditQuery{Action: chat.AuditRoomDelete, Limit: 10})
	if err != nil || len(log) != 1 {
		t.Fatalf("audit of the deletion = %v, %v", log, err)
	}
}

// sorted returns ids in order (a copy).
func sorted(ids ...string) []string {
	return slices.Sorted(slices.Values(ids))
}

func testAuditLog(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada, bob := newUser(t, s, "ada"), newUser(t, s, "bob")
	for i := range 5 {
		actor, action := ada, chat.AuditDeactivate
		if i%2 == 1 {
			actor, action = bob, chat.AuditReactivate
		}
		if err := s.AppendAudit(ctx, audit(actor, action, "t", base.Add(time.Duration(i)*24*time.Hour))); err != nil {
			t.Fatal(err)
		}
	}
	all, err := s.AuditLog(ctx, chat.AuditQuery{Limit: 10})
	if err != nil || len(all) != 5 || all[0].ID <= all[4].ID {
		t.Fatalf("log = %v, %v; want 5, newest first", all, err)
	}
	if string(all[0].Details) != `{"k":"v"}` || all[0].ActorName != "ada" || !all[0].CreatedAt.Equal(base.Add(96*time.Hour)) {
		t.Fatalf("entry = %+v", all[0])
	}
	page, err := s.AuditLog(ctx, chat.AuditQuery{Before: all[1].ID, Limit: 2})
	if err != nil || len(page) != 2 || page[0].ID != all[2].ID {
		t.Fatalf("page = %v, %v", page, err)
	}
	byBob, err := s.AuditLog(ctx, chat.AuditQuery{ActorID: bob.ID, Limit: 10})
	if err != nil || len(byBob) != 2 {
		t.Fatalf("by bob = %v, %v", byBob, err)
	}
	byAction, err := s.AuditLog(ctx, chat.AuditQuery{Action: chat.AuditDeactivate, Limit: 10})
	if err != nil || len(byAction) != 3 {
		t.Fatalf("by action = %v, %v", byAction, err)
	}
	n, err := s.DeleteAuditBefore(ctx, base.Add(48*time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("DeleteAuditBefore = %d, %v; want 2", n, err)
	}
	if rest, _ := s.AuditLog(ctx, chat.AuditQuery{Limit: 10}); len(rest) != 3 {
		t.Fatalf("%d left, want 3", len(rest))
	}
}

func testReports(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada, bob, carol := newUser(t, s, "ada"), newUser(t, s, "bob"), newUser(t, s, "carol")
	room, other := newRoom(t, s, ada, "general"), newRoom(t, s, carol, "other")
	m := post(t, s, room, bob, "spam spam")
	o := post(t, s, other, bob, "more spam")
	report := func(reporter chat.User, msg chat.Message, r chat.Room) (chat.Report, error) {
		p := chat.Report{ID: chat.NewID(), Room: chat.RoomRef{ID: r.ID}, Seq: msg.Seq, MessageID: msg.ID, Reporter: reporter.Ref(),
			Reason: "spam", CreatedAt: chat.NewTime(base)}
		return p, s.CreateReport(ctx, p)
	}
	r1, err := report(carol, m, room)
	if err != nil {
		t.Fatal(err)
	}
	_, err = report(carol, m, room)
	wantCode(t, "second open report", err, chat.ECONFLICT)
	if _, err := report(ada, o, other); err != nil {
		t.Fatal(err)
	}
	got, err := s.ReportByID(ctx, r1.ID)
	if err != nil || got.Room.Name != "general" || got.Message.Body != "spam spam" || got.Message.Author.ID != bob.ID ||
		got.Reporter.ID != carol.ID || got.Status != chat.ReportOpen || got.ResolvedBy != nil {
		t.Fatalf("ReportByID = %+v, %v", got, err)
	}
	all, err := s.Reports(ctx, chat.ReportQuery{Status: chat.ReportOpen, Limit: 10})
	if err != nil || len(all) != 2 {
		t.Fatalf("all open = %v, %v", all, err)
	}
	mine, err := s.Reports(ctx, chat.ReportQuery{Status: chat.ReportOpen, ModeratorID: ada.ID, Limit: 10})
	if err != nil || len(mine) != 1 || mine[0].ID != r1.ID {
		t.Fatalf("ada's rooms = %v, %v", mine, err)
	}
	page, err := s.Reports(ctx, chat.ReportQuery{Status: chat.ReportOpen, Before: all[0].ID, Limit: 10})
	if err != nil || len(page) != 1 || page[0].ID != all[1].ID {
		t.Fatalf("second page = %v, %v", page, err)
	}
	at := base.Add(time.Hour)
	closed, err := s.ResolveReport(ctx, r1.ID, chat.ReportResolved, ada.Ref(), "message deleted", at, audit(ada, chat.AuditReportResolve, r1.ID, at))
	if err != nil || closed.Status != chat.ReportResolved || closed.ResolvedBy == nil || closed.ResolvedBy.ID != ada.ID ||
		closed.Action != "message deleted" || closed.ResolvedAt == nil {
		t.Fatalf("resolve = %+v, %v", closed, err)
	}
	_, err = s.ResolveReport(ctx, r1.ID, chat.ReportDismissed, ada.Ref(), "", at, audit(ada, chat.AuditReportDismiss, r1.ID, at))
	wantCode(t, "resolve twice", err, chat.ECONFLICT)
	_, err = s.ResolveReport(ctx, chat.NewID(), chat.ReportDismissed, ada.Ref(), "", at, audit(ada, chat.AuditReportDismiss, "x", at))
	wantCode(t, "resolve unknown", err, chat.ECONFLICT)
	// Closed, the reporter may report the message again.
	if _, err := report(carol, m, room); err != nil {
		t.Fatalf("report again after closing: %v", err)
	}
	if res, _ := s.Reports(ctx, chat.ReportQuery{Status: chat.ReportResolved, Limit: 10}); len(res) != 1 {
		t.Fatalf("resolved = %v", res)
	}
}

func testPasswordReset(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada := newUser(t, s, "ada")
	s1 := newSession(t, s, ada, "s1", base)
	r := chat.PasswordReset{ID: chat.NewID(), UserID: ada.ID, TokenHash: "th1", CreatedAt: chat.NewTime(base),
		ExpiresAt: chat.NewTime(base.Add(time.Hour))}
	if err := s.CreatePasswordReset(ctx, r, time.Minute, nil); err != nil {
		t.Fatal(err)
	}
	r2 := chat.PasswordReset{ID: chat.NewID(), UserID: ada.ID, TokenHash: "th2", CreatedAt: chat.NewTime(base.Add(30 * time.Second)),
		ExpiresAt: chat.NewTime(base.Add(time.Hour))}
	wantCode(t, "within the gap", s.CreatePasswordReset(ctx, r2, time.Minute, nil), chat.ERATELIMITED)
	r2.CreatedAt = chat.NewTime(base.Add(2 * time.Minute))
	a := audit(ada, chat.AuditPasswordReset, ada.ID, base)
	if err := s.CreatePasswordReset(ctx, r2, time.Minute, &a); err != nil {
		t.Fatal(err)
	}
	batches, err := s.MailBatches(ctx, chat.BatchPending, 10)
	if err != nil {
		t.Fatal(err)
	}
	resets := 0
	for _, b := range batches {
		if b.Kind == chat.BatchReset && (b.ID == r.ID || b.ID == r2.ID) {
			resets++
		}
	}
	if resets != 2 {
		t.Fatalf("reset batches = %d, want 2 (ids = the resets')", resets)
	}
	_, err = s.PasswordResetUser(ctx, "th1", base.Add(2*time.Hour))
	wantCode(t, "expired", err, chat.ENOTFOUND)
	_, err = s.PasswordResetUser(ctx, "nope", base)
	wantCode(t, "unknown", err, chat.ENOTFOUND)
	if u, err := s.PasswordResetUser(ctx, "th1", base); err != nil || u.ID != ada.ID {
		t.Fatalf("PasswordResetUser = %+v, %v", u, err)
	}
	ended, err := s.UsePasswordReset(ctx, "th1", base.Add(time.Minute), "newhash")
	if err != nil || len(ended) != 1 || ended[0] != s1.TokenHash {
		t.Fatalf("UsePasswordReset = %v, %v", ended, err)
	}
	if u := mustUser(t, s, ada.ID); u.PasswordHash != "newhash" {
		t.Fatalf("hash = %q", u.PasswordHash)
	}
	_, err = s.UsePasswordReset(ctx, "th1", base.Add(time.Minute), "again")
	wantCode(t, "used twice", err, chat.ENOTFOUND)
	_, err = s.UsePasswordReset(ctx, "th2", base.Add(time.Minute), "other")
	wantCode(t, "the other link, voided by the first", err, chat.ENOTFOUND)
	if log, _ := s.AuditLog(ctx, chat.AuditQuery{Limit: 10}); len(log) != 1 {
		t.Fatalf("audit = %v, want the one written with r2", log)
	}
}

func testUserByEmail(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada := newUser(t, s, "ada")
	for _, e := range []string{"ada@example.org", "ADA@Example.org"} {
		if u, err := s.UserByEmail(ctx, e); err != nil || u.ID != ada.ID {
			t.Errorf("UserByEmail(%q) = %+v, %v", e, u, err)
		}
	}
	for _, e := range []string{"", "bob@example.org"} {
		_, err := s.UserByEmail(ctx, e)
		wantCode(t, "UserByEmail "+e, err, chat.ENOTFOUND)
	}
}

// testAdminRoomsFold: names outside ASCII sort, page and match by
// chat.FoldName on both engines (SQLite's lower() folds ASCII only); before
// are the names of the rooms already there, all ASCII.
func testAdminRoomsFold(t *testing.T, s chat.Store, owner chat.User, before []string) {
	ctx := context.Background()
	newRoom(t, s, owner, "ÑANDÚ")
	priv := chat.Room{ID: chat.NewID(), Name: "Árbol", Visibility: chat.Private, CreatedBy: owner.ID, CreatedAt: chat.NewTime(base)}
	if err := s.CreateRoom(ctx, priv); err != nil {
		t.Fatal(err)
	}
	// In byte order of the folded names: "árbol" (c3 a1) before "ñandú" (c3 b1), both after ASCII.
	all := append(slices.Clone(before), "Árbol", "ÑANDÚ")
	tests := []struct {
		name string
		q    string
		want []string
	}{
		{"upper-case name, lower-case query", "ñan", []string{"ÑANDÚ"}},
		{"accented capital", "árb", []string{"Árbol"}},
		{"all", "", all},
	}
	for _, tt := range tests {
		var got []string
		after := ""
		for range len(all) + 1 { // one room per page: every cursor is one the service would compute
			rooms, err := s.AdminRooms(ctx, chat.AdminRoomQuery{Q: tt.q, AfterKey: after, Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			if len(rooms) == 0 {
				break
			}
			got = append(got, rooms[0].Name)
			after = chat.FoldName(rooms[0].Name) + "\x00" + rooms[0].ID
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: pages of %q = %q, want %q", tt.name, tt.q, got, tt.want)
		}
	}
	summer := "ÉTÉ"
	if _, err := s.UpdateRoom(ctx, priv.ID, chat.RoomPatch{Name: &summer}); err != nil {
		t.Fatal(err)
	}
	if rooms, err := s.AdminRooms(ctx, chat.AdminRoomQuery{Q: "été", Limit: 10}); err != nil || len(rooms) != 1 || rooms[0].ID != priv.ID {
		t.Errorf("after a rename, search été = %v, %v; want the renamed room", rooms, err)
	}
}

// testDeleteRoomWhileAppending: appends racing a room's deletion either
// commit before it (and go with the room) or fail with ENOTFOUND; none
// leaves a message behind in the deleted room. (No foreign key stops that
// on PostgreSQL since migration 0019: DeleteRoom locking the room's row
// before it deletes the messages does.)
func testDeleteRoomWhileAppending(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada, bob := newUser(t, s, "ada"), newUser(t, s, "bob")
	for round := range 5 {
		room := newRoom(t, s, ada, fmt.Sprint("doomed", round))
		const writers = 4
		var wg sync.WaitGroup
		started, stop := make(chan struct{}, writers), make(chan struct{})
		for w := range writers {
			wg.Go(func() {
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					m := chat.NewMessage{ID: chat.NewID(), RoomID: room.ID, Author: ada.Ref(), Body: fmt.Sprint("m", i)}
					if w == 0 { // the path with mentions and notifications too
						m.Body, m.Mentions, m.MentionUserIDs = "hi @bob", []string{"bob"}, []string{bob.ID}
					}
					_, _, err := s.AppendMessage(ctx, m)
					if i == 0 {
						started <- struct{}{}
					}
					if err != nil {
						wantCode(t, "AppendMessage racing DeleteRoom", err, chat.ENOTFOUND)
						return
					}
				}
			})
		}
		for range writers {
			<-started
		}
		_, err := s.DeleteRoom(ctx, room.ID, audit(ada, chat.AuditRoomDelete, room.ID, base))
		close(stop)
		wg.Wait()
		if err != nil {
			t.Fatalf("DeleteRoom: %v", err)
		}
		left, err := s.Messages(ctx, room.ID, chat.MessageQuery{Limit: 10})
		if err != nil {
			t.Fatalf("Messages of the deleted room: %v", err)
		}
		if len(left) > 0 {
			t.Fatalf("round %d: %d messages outlived their room, the newest seq %d", round, len(left), left[len(left)-1].Seq)
		}
	}
}

package chat_test

import (
	"context"
	"strings"
	"testing"

	"github.com/open-chat/openchat/internal/chat"
)

func signUpUser(t *testing.T, e *env, name string) chat.User {
	t.Helper()
	u, err := e.svc.SignUp(context.Background(), chat.SignUpInput{Username: name, Email: name + "@example.org", Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestAdminRules: who may do which admin and moderation act, and what the
// refusals are.
func TestAdminRules(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	ada := e.user // the first account: admin
	bob, carol := signUpUser(t, e, "bob"), signUpUser(t, e, "carol")
	if !ada.Admin || bob.Admin {
		t.Fatalf("admin: ada %v, bob %v", ada.Admin, bob.Admin)
	}
	secret := []byte("secret")
	priv, err := e.svc.CreateRoom(ctx, bob, "hideout", "", chat.Private)
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := e.svc.Post(ctx, bob, chat.Post{RoomID: priv.ID, Body: "secret plans"})
	if err != nil {
		t.Fatal(err)
	}
	pub, _, err := e.svc.Post(ctx, carol, chat.Post{RoomID: e.room.ID, Body: "hello all"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		do    func() error
		code  string
		field string
	}{
		{"non-admin lists users", func() error { _, err := e.svc.AdminUsers(ctx, bob, chat.UserQuery{}); return err }, chat.EFORBIDDEN, ""},
		{"non-admin deactivates", func() error { _, err := e.svc.SetDeactivated(ctx, bob, carol.ID, true); return err }, chat.EFORBIDDEN, ""},
		{"non-admin sends a reset", func() error { return e.svc.SendPasswordReset(ctx, bob, secret, carol.ID) }, chat.EFORBIDDEN, ""},
		{"non-admin lists rooms", func() error { _, err := e.svc.AdminRooms(ctx, bob, chat.RoomQuery{}); return err }, chat.EFORBIDDEN, ""},
		{"non-admin archives", func() error { _, err := e.svc.SetArchived(ctx, bob, priv.ID, true); return err }, chat.EFORBIDDEN, ""},
		{"non-admin deletes a room", func() error { return e.svc.DeleteRoom(ctx, bob, priv.ID) }, chat.EFORBIDDEN, ""},
		{"non-admin reads the audit log", func() error { _, err := e.svc.AuditLog(ctx, bob, chat.AuditQuery{}); return err }, chat.EFORBIDDEN, ""},
		{"admin deactivates self", func() error { _, err := e.svc.SetDeactivated(ctx, ada, ada.ID, true); return err }, chat.EINVALID, "user_id"},
		{"admin deactivates unknown", func() error { _, err := e.svc.SetDeactivated(ctx, ada, chat.NewID(), true); return err }, chat.ENOTFOUND, ""},
		{"users limit", func() error { _, err := e.svc.AdminUsers(ctx, ada, chat.UserQuery{Limit: 101}); return err }, chat.EINVALID, "limit"},
		{"users query too long", func() error {
			_, err := e.svc.AdminUsers(ctx, ada, chat.UserQuery{Q: strings.Repeat("a", 65)})
			return err
		}, chat.EINVALID, "q"},
		{"audit limit", func() error { _, err := e.svc.AuditLog(ctx, ada, chat.AuditQuery{Limit: 201}); return err }, chat.EINVALID, "limit"},
		{"audit bad action", func() error { _, err := e.svc.AuditLog(ctx, ada, chat.AuditQuery{Action: "a\x00"}); return err }, chat.EINVALID, "action"},
		{"reset without a secret", func() error { return e.svc.SendPasswordReset(ctx, ada, nil, carol.ID) }, chat.EINTERNAL, ""},
		{"report in a private room by a non-member", func() error {
			_, err := e.svc.ReportMessage(ctx, carol, priv.ID, m.Seq, "spam")
			return err
		}, chat.ENOTFOUND, ""},
		{"report own message", func() error { _, err := e.svc.ReportMessage(ctx, carol, e.room.ID, pub.Seq, "x"); return err }, chat.EINVALID, "seq"},
		{"report without a reason", func() error { _, err := e.svc.ReportMessage(ctx, bob, e.room.ID, pub.Seq, " "); return err }, chat.EINVALID, "reason"},
		{"report reason too long", func() error {
			_, err := e.svc.ReportMessage(ctx, bob, e.room.ID, pub.Seq, strings.Repeat("é", chat.ReportReasonMaxLen+1))
			return err
		}, chat.EINVALID, "reason"},
		{"report missing message", func() error { _, err := e.svc.ReportMessage(ctx, bob, e.room.ID, 99, "spam"); return err }, chat.ENOTFOUND, ""},
		{"queue bad status", func() error { _, err := e.svc.Reports(ctx, bob, chat.ReportQuery{Status: "x"}); return err }, chat.EINVALID, "status"},
		{"resolve with a bad status", func() error { _, err := e.svc.ResolveReport(ctx, ada, chat.NewID(), "open", ""); return err }, chat.EINVALID, "status"},
		{"admin deletes a message of a private room", func() error { return e.svc.DeleteMessage(ctx, ada, priv.ID, m.Seq) }, "", ""},
		{"admin archives a room", func() error { _, err := e.svc.SetArchived(ctx, ada, e.room.ID, true); return err }, "", ""},
		{"post to an archived room", func() error {
			_, _, err := e.svc.Post(ctx, carol, chat.Post{RoomID: e.room.ID, Body: "hi"})
			return err
		}, chat.EARCHIVED, ""},
		{"edit in an archived room", func() error { _, err := e.svc.EditMessage(ctx, carol, e.room.ID, pub.Seq, "x"); return err }, chat.EARCHIVED, ""},
		{"react in an archived room", func() error { return e.svc.React(ctx, bob, e.room.ID, pub.Seq, "👍", true) }, chat.EARCHIVED, ""},
		{"join an archived room", func() error { return e.svc.AddMember(ctx, bob, e.room.ID, bob.ID) }, chat.EARCHIVED, ""},
		{"rename an archived room", func() error {
			n := "x"
			_, err := e.svc.UpdateRoom(ctx, ada, e.room.ID, chat.RoomPatch{Name: &n})
			return err
		}, chat.EARCHIVED, ""},
		{"read an archived room", func() error {
			_, err := e.svc.Messages(ctx, carol, e.room.ID, chat.MessageQuery{Limit: 10})
			return err
		}, "", ""},
		{"author deletes in an archived room", func() error { return e.svc.DeleteMessage(ctx, carol, e.room.ID, pub.Seq) }, "", ""},
		{"admin unarchives", func() error { _, err := e.svc.SetArchived(ctx, ada, e.room.ID, false); return err }, "", ""},
		{"post again", func() error {
			_, _, err := e.svc.Post(ctx, carol, chat.Post{RoomID: e.room.ID, Body: "hi"})
			return err
		}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantCode(t, tt.name, tt.do(), tt.code, tt.field) })
	}
	log, err := e.svc.AuditLog(ctx, ada, chat.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, x := range log.Entries {
		got = append(got, x.Action)
	}
	// The author's own deletion is not audited; the admin's is.
	want := []string{chat.AuditRoomUnarchive, chat.AuditRoomArchive, chat.AuditMessageDelete}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("audit = %v, want %v", got, want)
	}
}

// TestReportQueueScope: admins see every report, owners and moderators
// those of their rooms, others none; only they may resolve.
func TestReportQueueScope(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	ada := e.user
	bob, carol, dan := signUpUser(t, e, "bob"), signUpUser(t, e, "carol"), signUpUser(t, e, "dan")
	room, err := e.svc.CreateRoom(ctx, bob, "bobs", "", chat.Public)
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := e.svc.Post(ctx, carol, chat.Post{RoomID: room.ID, Body: "rude words"})
	if err != nil {
		t.Fatal(err)
	}
	o, _, err := e.svc.Post(ctx, carol, chat.Post{RoomID: e.room.ID, Body: "more rude words"})
	if err != nil {
		t.Fatal(err)
	}
	r1, err := e.svc.ReportMessage(ctx, dan, room.ID, m.Seq, "rude")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.ReportMessage(ctx, dan, e.room.ID, o.Seq, "rude"); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.ReportMessage(ctx, dan, room.ID, m.Seq, "again")
	wantCode(t, "second open report", err, chat.ECONFLICT, "")
	for _, tt := range []struct {
		who  chat.User
		want int
	}{{ada, 2}, {bob, 1}, {carol, 0}, {dan, 0}} {
		p, err := e.svc.Reports(ctx, tt.who, chat.ReportQuery{})
		if err != nil || len(p.Reports) != tt.want {
			t.Errorf("%s sees %d reports (%v), want %d", tt.who.Username, len(p.Reports), err, tt.want)
		}
	}
	_, err = e.svc.ResolveReport(ctx, carol, r1.ID, chat.ReportDismissed, "")
	wantCode(t, "a member resolves", err, chat.ENOTFOUND, "")
	if _, err := e.svc.ResolveReport(ctx, bob, r1.ID, chat.ReportDismissed, "not rude"); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.ResolveReport(ctx, ada, r1.ID, chat.ReportResolved, "")
	wantCode(t, "resolve twice", err, chat.ECONFLICT, "")
}

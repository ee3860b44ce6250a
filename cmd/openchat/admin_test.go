package main

import (
	"bytes"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

var resetLinkRE = regexp.MustCompile(`http://[^\s"<>]+/reset-password\?token=([A-Za-z0-9_-]+)`)

type userResp struct{ User chat.User }

func me(t *testing.T, c *client) chat.User {
	t.Helper()
	var u userResp
	c.must(200, "GET", "/api/v1/me", nil, &u)
	return u.User
}

// TestAdministration: the first account is admin; others get 403 on the
// admin routes; deactivating a user closes its WebSockets with 4001 and
// refuses its sign-in (its messages stay); a reset link sent by an admin
// sets a new password once; archive makes a room read-only; a report
// reaches the queue of the room's owner and of admins and is resolved;
// every act is in the audit log.
func TestAdministration(t *testing.T) {
	onEachStore(t, func(t *testing.T, start func(...string) *server) {
		dir := t.TempDir()
		srv := start("--data-dir", dir)
		ada := signUp(t, srv.URL, "ada")
		bob := signUp(t, srv.URL, "bob")
		carol := signUp(t, srv.URL, "carol")
		adaU, bobU, carolU := me(t, ada), me(t, bob), me(t, carol)
		if !adaU.Admin || bobU.Admin || carolU.Admin {
			t.Fatalf("admin flags: ada %v bob %v carol %v; want only the first account", adaU.Admin, bobU.Admin, carolU.Admin)
		}

		var room roomResp
		carol.must(201, "POST", "/api/v1/rooms", map[string]string{"name": "general"}, &room)
		rid := room.Room.ID
		var posted struct{ Message chat.Message }
		bob.must(201, "POST", "/api/v1/rooms/"+rid+"/messages", map[string]string{"body": "buy cheap watches"}, &posted)

		for _, r := range []struct{ method, path string }{
			{"GET", "/api/v1/admin/users"},
			{"PUT", "/api/v1/admin/users/" + adaU.ID + "/deactivated"},
			{"POST", "/api/v1/admin/users/" + adaU.ID + "/password-reset"},
			{"GET", "/api/v1/admin/rooms"},
			{"PUT", "/api/v1/admin/rooms/" + rid + "/archived"},
			{"DELETE", "/api/v1/admin/rooms/" + rid},
			{"GET", "/api/v1/admin/audit"},
		} {
			if got := bob.do(r.method, r.path, nil); got.Status != 403 || !strings.Contains(string(got.Body), `"forbidden"`) {
				t.Errorf("bob %s %s = %d %s, want 403 forbidden", r.method, r.path, got.Status, got.Body)
			}
		}

		// Report → the queue of the room's owner and of admins → resolve.
		var rep chat.Report
		ada.must(201, "POST", "/api/v1/rooms/"+rid+"/messages/1/report", map[string]string{"reason": "spam"}, &rep)
		ada.must(409, "POST", "/api/v1/rooms/"+rid+"/messages/1/report", map[string]string{"reason": "spam"}, nil)
		bob.must(422, "POST", "/api/v1/rooms/"+rid+"/messages/1/report", map[string]string{"reason": "mine"}, nil)
		var queue chat.ReportPage
		for _, c := range []*client{carol, ada} {
			c.must(200, "GET", "/api/v1/reports", nil, &queue)
			if len(queue.Reports) != 1 || queue.Reports[0].ID != rep.ID || queue.Reports[0].Message.Body != "buy cheap watches" {
				t.Fatalf("queue = %+v", queue)
			}
		}
		bob.must(200, "GET", "/api/v1/reports", nil, &queue)
		if len(queue.Reports) != 0 {
			t.Fatalf("bob moderates nothing but sees %+v", queue)
		}
		bob.must(404, "PATCH", "/api/v1/reports/"+rep.ID, map[string]string{"status": "resolved"}, nil)
		carol.must(204, "DELETE", "/api/v1/rooms/"+rid+"/messages/1", nil, nil)
		carol.must(200, "PATCH", "/api/v1/reports/"+rep.ID, map[string]string{"status": "resolved", "action": "message deleted"}, &rep)
		if rep.Status != chat.ReportResolved || rep.ResolvedBy == nil || rep.ResolvedBy.ID != carolU.ID || !rep.Message.Deleted {
			t.Fatalf("resolved = %+v", rep)
		}

		// Deactivate bob: his WebSocket closes with 4001, he cannot sign
		// in, his token is dead; he is shown as such to members.
		bob.must(201, "POST", "/api/v1/rooms/"+rid+"/messages", map[string]string{"body": "still here"}, nil)
		bobWS := dialForClose(t, srv.URL, bob.token)
		ada.must(422, "PUT", "/api/v1/admin/users/"+adaU.ID+"/deactivated", nil, nil)
		var deactivated chat.User
		ada.must(200, "PUT", "/api/v1/admin/users/"+bobU.ID+"/deactivated", nil, &deactivated)
		if deactivated.DeactivatedAt == nil {
			t.Fatalf("deactivated = %+v", deactivated)
		}
		wantClosed(t, bobWS, 4001)
		bob.must(401, "GET", "/api/v1/me", nil, nil)
		signIn := (&client{t: t, base: srv.URL}).do("POST", "/api/v1/sessions", map[string]string{"username": bobU.Username, "password": "correct horse battery"})
		if signIn.Status != 403 || !strings.Contains(string(signIn.Body), `"account_deactivated"`) {
			t.Fatalf("sign-in of a deactivated account = %d %s", signIn.Status, signIn.Body)
		}
		wrong := (&client{t: t, base: srv.URL}).do("POST", "/api/v1/sessions", map[string]string{"username": bobU.Username, "password": "wrong horse battery"})
		if wrong.Status != 401 {
			t.Fatalf("a wrong password must not learn of the deactivation: %d %s", wrong.Status, wrong.Body)
		}
		var members struct{ Members []chat.Member }
		carol.must(200, "GET", "/api/v1/rooms/"+rid+"/members", nil, &members)
		for _, m := range members.Members {
			if m.Deactivated != (m.User.ID == bobU.ID) {
				t.Errorf("member %s deactivated = %v", m.User.Username, m.Deactivated)
			}
		}
		var msgs struct{ Messages []chat.Message }
		carol.must(200, "GET", "/api/v1/rooms/"+rid+"/messages", nil, &msgs)
		if len(msgs.Messages) != 2 || msgs.Messages[1].Body != "still here" {
			t.Fatalf("bob's messages must stay: %+v", msgs.Messages)
		}
		ada.must(200, "DELETE", "/api/v1/admin/users/"+bobU.ID+"/deactivated", nil, nil)

		// A reset link from an admin: one use, then sign in with the new password.
		ada.must(202, "POST", "/api/v1/admin/users/"+bobU.ID+"/password-reset", nil, nil)
		ada.must(429, "POST", "/api/v1/admin/users/"+bobU.ID+"/password-reset", nil, nil)
		mail := waitMailMatching(t, dir, bobU.Email, "reset-password")
		m := resetLinkRE.FindStringSubmatch(mail)
		if m == nil {
			t.Fatalf("no reset link in:\n%s", mail)
		}
		anon := &client{t: t, base: srv.URL}
		anon.must(422, "POST", "/api/v1/password-reset/confirm", map[string]string{"token": m[1], "new_password": "password123"}, nil)
		anon.must(204, "POST", "/api/v1/password-reset/confirm", map[string]string{"token": m[1], "new_password": "violet-walrus-lantern"}, nil)
		anon.must(422, "POST", "/api/v1/password-reset/confirm", map[string]string{"token": m[1], "new_password": "another-fine-phrase"}, nil)
		anon.must(201, "POST", "/api/v1/sessions", map[string]string{"username": bobU.Username, "password": "violet-walrus-lantern"}, nil)
		anon.must(202, "POST", "/api/v1/password-reset", map[string]string{"email": "nobody@example.org"}, nil)

		// Archive: read-only, still readable; unarchive.
		var archived chat.Room
		ada.must(200, "PUT", "/api/v1/admin/rooms/"+rid+"/archived", nil, &archived)
		if archived.ArchivedAt == nil {
			t.Fatalf("archived = %+v", archived)
		}
		r := carol.do("POST", "/api/v1/rooms/"+rid+"/messages", map[string]string{"body": "hello?"})
		if r.Status != 403 || !strings.Contains(string(r.Body), `"room_archived"`) {
			t.Fatalf("post to an archived room = %d %s", r.Status, r.Body)
		}
		carol.must(200, "GET", "/api/v1/rooms/"+rid+"/messages", nil, nil)
		ada.must(200, "DELETE", "/api/v1/admin/rooms/"+rid+"/archived", nil, nil)
		carol.must(201, "POST", "/api/v1/rooms/"+rid+"/messages", map[string]string{"body": "back"}, nil)

		// Delete the room: gone for everyone.
		ada.must(204, "DELETE", "/api/v1/admin/rooms/"+rid, nil, nil)
		carol.must(404, "GET", "/api/v1/rooms/"+rid, nil, nil)

		var audit chat.AuditPage
		ada.must(200, "GET", "/api/v1/admin/audit", nil, &audit)
		var actions []string
		for _, e := range audit.Entries {
			actions = append(actions, e.Action)
		}
		want := []string{chat.AuditRoomDelete, chat.AuditRoomUnarchive, chat.AuditRoomArchive, chat.AuditPasswordReset,
			chat.AuditReactivate, chat.AuditDeactivate, chat.AuditReportResolve, chat.AuditMessageDelete}
		if strings.Join(actions, " ") != strings.Join(want, " ") {
			t.Fatalf("audit actions = %v, want %v", actions, want)
		}
		ada.must(200, "GET", "/api/v1/admin/audit?action=user.deactivate&limit=1", nil, &audit)
		if len(audit.Entries) != 1 || audit.Entries[0].TargetID != bobU.ID || audit.Entries[0].ActorID != adaU.ID {
			t.Fatalf("filtered audit = %+v", audit)
		}
	})
}

func waitMailMatching(t *testing.T, dir, addr, substr string) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		// Read again each time: a file may be caught half written.
		for _, m := range mailsTo(t, dir, addr) {
			if strings.Contains(m, substr) {
				return m
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no e-mail to %s contains %q", addr, substr)
	return ""
}

// TestAdminCommand: `openchat admin grant|revoke` names admins, refuses
// to revoke the last one, and has --help.
func TestAdminCommand(t *testing.T) {
	dir := t.TempDir()
	srv := startServer(t, "--data-dir", dir)
	ada := signUp(t, srv.URL, "ada")
	bob := signUp(t, srv.URL, "bob")
	adaName, bobName := me(t, ada).Username, me(t, bob).Username
	srv.stop()
	env := func(string) string { return "" }
	admin := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(t.Context(), append([]string{"admin"}, args...), env, &out, io.Discard)
		return out.String(), err
	}
	if _, err := admin("revoke", "--data-dir", dir, adaName); err == nil || !strings.Contains(err.Error(), "last active admin") {
		t.Fatalf("revoke the last admin: %v", err)
	}
	if out, err := admin("grant", "--data-dir", dir, bobName); err != nil || !strings.Contains(out, "is now a server admin") {
		t.Fatalf("grant: %q, %v", out, err)
	}
	if out, err := admin("revoke", "--data-dir", dir, adaName); err != nil || !strings.Contains(out, "no longer") {
		t.Fatalf("revoke: %q, %v", out, err)
	}
	if _, err := admin("grant", "--data-dir", dir, "nobody"); err == nil {
		t.Fatal("grant to an unknown user succeeded")
	}
	var help bytes.Buffer
	if err := run(t.Context(), []string{"admin", "--help"}, env, &help, &help); err != nil || !strings.Contains(help.String(), "grant|revoke") {
		t.Fatalf("--help: %v\n%s", err, help.String())
	}
}

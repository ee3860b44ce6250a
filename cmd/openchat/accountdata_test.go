package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/open-chat/openchat/internal/chat"
)

// export downloads c's data and returns the zip's files by name.
func export(t *testing.T, c *client) map[string][]byte {
	t.Helper()
	r := c.must(200, "GET", "/api/v1/me/export", nil, nil)
	if ct, cd := r.Header.Get("Content-Type"), r.Header.Get("Content-Disposition"); ct != "application/zip" || !strings.HasPrefix(cd, "attachment;") {
		t.Fatalf("export headers: %q, %q", ct, cd)
	}
	zr, err := zip.NewReader(bytes.NewReader(r.Body), int64(len(r.Body)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	return files
}

func jsonOf[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}

// TestExport: a user with messages in several rooms gets all of them, its
// reactions, rooms and profile, and nothing of anyone else's; exports are
// rate-limited.
func TestExport(t *testing.T) {
	onEachStore(t, func(t *testing.T, start func(...string) *server) {
		srv := start("--ratelimit-exports", "2/1h")
		ada, bob := signUp(t, srv.URL, "ada"), signUp(t, srv.URL, "bob")
		var rooms [3]roomResp
		for i, name := range []string{"one", "two", "three"} {
			bob.must(201, "POST", "/api/v1/rooms", map[string]string{"name": name}, &rooms[i])
		}
		var mine []string
		for i, r := range rooms {
			path := "/api/v1/rooms/" + r.Room.ID + "/messages"
			for j := range 2 {
				body := "ada says " + r.Room.Name + string(rune('a'+j))
				ada.must(201, "POST", path, map[string]string{"body": body}, nil)
				mine = append(mine, body)
			}
			var m struct{ Message chat.Message }
			bob.must(201, "POST", path, map[string]string{"body": "bob's secret"}, &m)
			if i == 0 {
				ada.must(204, "PUT", path+"/"+strconv.FormatInt(m.Message.Seq, 10)+"/reactions/👍", nil, nil)
			}
		}
		files := export(t, ada)
		for _, name := range []string{"profile.json", "rooms.json", "messages.json", "reactions.json", "sessions.json", "uploads.json"} {
			if _, ok := files[name]; !ok {
				t.Fatalf("export lacks %s: %v", name, files)
			}
		}
		msgs := jsonOf[[]struct{ RoomID, Body string }](t, files["messages.json"])
		if len(msgs) != len(mine) {
			t.Fatalf("exported %d messages, want %d: %s", len(msgs), len(mine), files["messages.json"])
		}
		for _, body := range mine {
			if !bytes.Contains(files["messages.json"], []byte(body)) {
				t.Errorf("export lacks %q", body)
			}
		}
		for name, b := range files {
			if bytes.Contains(b, []byte("bob's secret")) {
				t.Errorf("%s holds another user's message", name)
			}
		}
		if rs := jsonOf[[]chat.UserReaction](t, files["reactions.json"]); len(rs) != 1 || rs[0].Emoji != "👍" {
			t.Errorf("reactions = %+v", rs)
		}
		if rs := jsonOf[[]chat.MyRoom](t, files["rooms.json"]); len(rs) != 3 {
			t.Errorf("rooms = %d, want 3", len(rs))
		}
		if p := jsonOf[map[string]any](t, files["profile.json"]); p["email"] == "" || p["email_notifications"] != "always" {
			t.Errorf("profile = %v", p)
		}
		export(t, ada)
		if r := ada.do("GET", "/api/v1/me/export", nil); r.Status != http.StatusTooManyRequests {
			t.Fatalf("third export in an hour: %d, want 429", r.Status)
		}
	})
}

// TestDeleteAccount, in both modes on both engines: a wrong password
// changes nothing (403); then the sessions end (WebSocket 4001), the
// reactions go (others see them go), the room passes to the next member,
// the name is free, and the messages stay by "Deleted user" or, with
// --erase-on-delete, become tombstones.
func TestDeleteAccount(t *testing.T) {
	for _, erase := range []bool{false, true} {
		name := "keep messages"
		if erase {
			name = "erase messages"
		}
		t.Run(name, func(t *testing.T) {
			onEachStore(t, func(t *testing.T, start func(...string) *server) {
				var args []string
				if erase {
					args = append(args, "--erase-on-delete")
				}
				srv := start(args...)
				ada, bob := signUp(t, srv.URL, "ada"), signUp(t, srv.URL, "bob")
				var me struct{ User chat.User }
				ada.must(200, "GET", "/api/v1/me", nil, &me)
				var room roomResp
				ada.must(201, "POST", "/api/v1/rooms", map[string]string{"name": "general"}, &room)
				path := "/api/v1/rooms/" + room.Room.ID + "/messages"
				var m struct{ Message chat.Message }
				bob.must(201, "POST", path, map[string]string{"body": "hi @" + me.User.Username}, &m)
				ada.must(201, "POST", path, map[string]string{"body": "ada was here"}, nil)
				ada.must(204, "PUT", path+"/"+strconv.FormatInt(m.Message.Seq, 10)+"/reactions/👍", nil, nil)
				ws := dialForClose(t, srv.URL, ada.token)

				ada.must(403, "DELETE", "/api/v1/me", map[string]string{"password": "wrong horse battery"}, nil)
				ada.must(200, "GET", "/api/v1/me", nil, nil)
				stillOpen(t, ws)
				ada.must(204, "DELETE", "/api/v1/me", map[string]string{"password": "correct horse battery"}, nil)
				wantClosed(t, ws, 4001)
				ada.must(401, "GET", "/api/v1/me", nil, nil)
				anon := &client{t: t, base: srv.URL}
				anon.must(401, "POST", "/api/v1/sessions", map[string]string{"username": me.User.Username, "password": "correct horse battery"}, nil)

				var p pageResp
				bob.must(200, "GET", path, nil, &p)
				if len(p.Messages) != 2 || len(p.Messages[0].Reactions) != 0 {
					t.Fatalf("messages after deletion: %+v", p.Messages)
				}
				left := p.Messages[1]
				if left.Author.DisplayName != chat.DeletedDisplayName || left.Author.Username == me.User.Username {
					t.Errorf("author after deletion = %+v", left.Author)
				}
				if erase != left.Deleted || (left.Body == "ada was here") == erase {
					t.Errorf("message after deletion (erase %v) = %+v", erase, left)
				}
				var members struct{ Members []chat.Member }
				bob.must(200, "GET", "/api/v1/rooms/"+room.Room.ID+"/members", nil, &members)
				if len(members.Members) != 1 || members.Members[0].Role != chat.Owner {
					t.Errorf("members after deletion = %+v; want bob as owner", members.Members)
				}
				// The name is free again.
				anon.must(201, "POST", "/api/v1/users", map[string]string{"username": me.User.Username, "email": me.User.Email, "password": "correct horse battery"}, nil)
			})
		})
	}
}

// TestAdminAccountData: an admin (the first account) exports and deletes
// another user's account through the admin routes, with the admin's own
// password; a user who is not admin gets 404 for anyone's but its own, as
// if the account did not exist. The export lists the user's uploads.
func TestAdminAccountData(t *testing.T) {
	onEachStore(t, func(t *testing.T, start func(...string) *server) {
		srv := start()
		ada, bob, cy := signUp(t, srv.URL, "ada"), signUp(t, srv.URL, "bob"), signUp(t, srv.URL, "cy")
		var me struct{ User chat.User }
		bob.must(200, "GET", "/api/v1/me", nil, &me)
		bobID := me.User.ID
		ada.must(200, "GET", "/api/v1/me", nil, &me)
		adaID := me.User.ID
		up := bob.upload(201, "notes.txt", []byte("bob's notes"))

		cy.must(404, "GET", "/api/v1/admin/users/"+bobID+"/export", nil, nil)
		cy.must(404, "DELETE", "/api/v1/admin/users/"+adaID, map[string]string{"password": "correct horse battery"}, nil)

		r := ada.must(200, "GET", "/api/v1/admin/users/"+bobID+"/export", nil, nil)
		if cd := r.Header.Get("Content-Disposition"); !strings.Contains(cd, bobID) {
			t.Errorf("admin export named %q, want bob's id in it", cd)
		}
		files := export(t, bob)
		ups := jsonOf[[]chat.Upload](t, files["uploads.json"])
		if len(ups) != 1 || ups[0].ID != up.ID || ups[0].Name != "notes.txt" || ups[0].URL == "" {
			t.Errorf("uploads.json = %s", files["uploads.json"])
		}

		ada.must(403, "DELETE", "/api/v1/admin/users/"+bobID, map[string]string{"password": "wrong horse battery"}, nil)
		bob.must(200, "GET", "/api/v1/me", nil, nil)
		ada.must(204, "DELETE", "/api/v1/admin/users/"+bobID, map[string]string{"password": "correct horse battery"}, nil)
		bob.must(401, "GET", "/api/v1/me", nil, nil)
		ada.must(200, "GET", "/api/v1/me", nil, nil) // the admin's own session stays
	})
}

package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/postgres/pgtest"
)

// onEachStore runs f on SQLite and on PostgreSQL; start starts a server
// on the store with more arguments.
func onEachStore(t *testing.T, f func(t *testing.T, start func(args ...string) *server)) {
	stores := []struct {
		name string
		args func(t *testing.T) []string
	}{
		{"sqlite", func(t *testing.T) []string { return nil }},
		{"postgres", func(t *testing.T) []string { return []string{"--database-url", pgtest.NewDatabase(t)} }},
	}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			f(t, func(args ...string) *server { return startServer(t, append(st.args(t), args...)...) })
		})
	}
}

// TestHostileInput: a NUL byte or another forbidden character in any text
// field, path or query parameter is a 4xx naming the field, never a 500
// (PostgreSQL refuses NUL in text); 64-bit cursors work.
func TestHostileInput(t *testing.T) {
	onEachStore(t, func(t *testing.T, start func(...string) *server) {
		srv := start()
		ada := signUp(t, srv.URL, "ada")
		var me struct{ User chat.User }
		ada.must(200, "GET", "/api/v1/me", nil, &me)
		var room roomResp
		ada.must(201, "POST", "/api/v1/rooms", map[string]string{"name": "general"}, &room)
		anon := &client{t: t, base: srv.URL}
		msgs := "/api/v1/rooms/" + room.Room.ID + "/messages"
		const nul = "\x00"
		tests := []struct {
			name   string
			c      *client
			method string
			path   string
			body   any
			status int
			field  string
		}{
			{"sign-up username", anon, "POST", "/api/v1/users", map[string]string{"username": "eve" + nul, "email": "eve@example.org", "password": "purple-otter-canyon"}, 422, "username"},
			{"sign-up email", anon, "POST", "/api/v1/users", map[string]string{"username": "eve", "email": "eve" + nul + "@example.org", "password": "purple-otter-canyon"}, 422, "email"},
			{"sign-up password", anon, "POST", "/api/v1/users", map[string]string{"username": "eve", "email": "eve@example.org", "password": "purple-otter" + nul}, 422, "password"},
			{"sign-up display name", anon, "POST", "/api/v1/users", map[string]string{"username": "eve", "email": "eve@example.org", "password": "purple-otter-canyon", "display_name": "Eve" + nul}, 422, "display_name"},
			{"sign-in username", anon, "POST", "/api/v1/sessions", map[string]string{"username": me.User.Username + nul, "password": "correct horse battery"}, 401, ""},
			{"sign-in password", anon, "POST", "/api/v1/sessions", map[string]string{"username": me.User.Username, "password": nul}, 401, ""},
			{"display name", ada, "PATCH", "/api/v1/me", map[string]string{"display_name": "A" + nul}, 422, "display_name"},
			{"room name", ada, "POST", "/api/v1/rooms", map[string]string{"name": "r" + nul}, 422, "name"},
			{"topic", ada, "POST", "/api/v1/rooms", map[string]string{"name": "r", "topic": nul}, 422, "topic"},
			{"body", ada, "POST", msgs, map[string]string{"body": "hi" + nul}, 422, "body"},
			{"client id", ada, "POST", msgs, map[string]string{"body": "hi", "client_id": "c" + nul}, 422, "client_id"},
			{"search prefix", ada, "GET", "/api/v1/users?prefix=a%00", nil, 422, "prefix"},
			{"room id", ada, "GET", "/api/v1/rooms/a%00b", nil, 404, ""},
			{"room id of messages", ada, "GET", "/api/v1/rooms/a%00b/messages", nil, 404, ""},
			{"room id of a post", ada, "POST", "/api/v1/rooms/a%00b/messages", map[string]string{"body": "hi"}, 404, ""},
			{"member room id", ada, "GET", "/api/v1/rooms/a%00b/members", nil, 404, ""},
			{"member user id", ada, "PUT", "/api/v1/rooms/" + room.Room.ID + "/members/u%00", nil, 404, ""},
			{"removed user id", ada, "DELETE", "/api/v1/rooms/" + room.Room.ID + "/members/u%00", nil, 404, ""},
			{"role user id", ada, "PATCH", "/api/v1/rooms/" + room.Room.ID + "/members/u%00", map[string]string{"role": "moderator"}, 404, ""},
			{"read room id", ada, "PUT", "/api/v1/rooms/a%00b/read", map[string]int{"seq": 1}, 404, ""},
			{"direct user id", ada, "POST", "/api/v1/dms", map[string][]string{"user_ids": {"u" + nul}}, 404, ""},
			{"directory query", ada, "GET", "/api/v1/rooms?q=a%00", nil, 422, "q"},
			{"directory cursor", ada, "GET", "/api/v1/rooms?cursor=%00", nil, 422, "cursor"},
			{"members cursor", ada, "GET", "/api/v1/rooms/" + room.Room.ID + "/members?cursor=%00", nil, 422, "cursor"},
			{"cursor", ada, "GET", msgs + "?before=1%00", nil, 422, "before"},
			{"mentions cursor", ada, "GET", "/api/v1/me/mentions?before=%00", nil, 422, "before"},
			{"current password", ada, "POST", "/api/v1/me/password", map[string]string{"current_password": nul, "new_password": "purple-otter-canyon"}, 422, "current_password"},
			{"new password", ada, "POST", "/api/v1/me/password", map[string]string{"current_password": "correct horse battery", "new_password": "purple-otter" + nul}, 422, "new_password"},
			{"session id", ada, "DELETE", "/api/v1/me/sessions/a%00", nil, 404, ""},
			{"verify link", anon, "GET", "/api/v1/verify-email?user=a%00&expires=1&token=x", nil, 401, ""},
			{"verify link post", anon, "POST", "/api/v1/verify-email?user=a%00&expires=1&token=x", nil, 401, ""},
			{"unsubscribe link", anon, "GET", "/api/v1/unsubscribe?user=a%00&token=x", nil, 401, ""},
			// Bidirectional, zero-width and control characters in names (the
			// sign-up cases, with weak passwords, are in internal/httpapi: the
			// per-IP sign-up limit allows only a few here).
			{"display name override", ada, "PATCH", "/api/v1/me", map[string]string{"display_name": "Ada\u202Egpj.exe"}, 422, "display_name"},
			{"display name zero width", ada, "PATCH", "/api/v1/me", map[string]string{"display_name": "A\u200Bda"}, 422, "display_name"},
			{"display name escape", ada, "PATCH", "/api/v1/me", map[string]string{"display_name": "A\x1b[31m"}, 422, "display_name"},
			{"room name isolate", ada, "POST", "/api/v1/rooms", map[string]string{"name": "gen\u2067eral"}, 422, "name"},
			{"room name zero width joiner", ada, "POST", "/api/v1/rooms", map[string]string{"name": "gen\u200Deral"}, 422, "name"},
			{"room name newline", ada, "POST", "/api/v1/rooms", map[string]string{"name": "gen\neral"}, 422, "name"},
			// Cursors are 64-bit everywhere; beyond is 422, not 500.
			{"mentions cursor past int32", ada, "GET", "/api/v1/me/mentions?before=2147483648", nil, 200, ""},
			{"messages cursor past int32", ada, "GET", msgs + "?before=2147483648", nil, 200, ""},
			{"messages after past int32", ada, "GET", msgs + "?after=2147483648", nil, 200, ""},
			{"mentions cursor past int64", ada, "GET", "/api/v1/me/mentions?before=9223372036854775808", nil, 422, "before"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := tt.c.do(tt.method, tt.path, tt.body)
				if r.Status != tt.status {
					t.Fatalf("status %d, want %d: %s", r.Status, tt.status, r.Body)
				}
				if tt.field != "" && !strings.Contains(string(r.Body), `"field":"`+tt.field+`"`) {
					t.Fatalf("error does not name %s: %s", tt.field, r.Body)
				}
			})
		}
		if strings.Contains(srv.logs.String(), "request failed") {
			t.Fatalf("an internal error was logged:\n%s", srv.logs)
		}
	})
}

// TestOneAddressOneAccount: three accounts with one victim address (the
// way to make the server mail a stranger thrice) are impossible.
func TestOneAddressOneAccount(t *testing.T) {
	onEachStore(t, func(t *testing.T, start func(...string) *server) {
		srv := start()
		anon := &client{t: t, base: srv.URL}
		anon.must(201, "POST", "/api/v1/users", map[string]string{"username": "one", "email": "victim@example.org", "password": "purple-otter-canyon"}, nil)
		for _, addr := range []string{"victim@example.org", "VICTIM@Example.org"} {
			r := anon.must(409, "POST", "/api/v1/users", map[string]string{"username": "two", "email": addr, "password": "purple-otter-canyon"}, nil)
			if !strings.Contains(string(r.Body), "e-mail address is taken") {
				t.Fatalf("409 body %s", r.Body)
			}
		}
	})
}

// wsCloseCode dials a WebSocket with token and returns the status the
// server closes it with (waiting up to 10 s after trigger runs).
func dialForClose(t *testing.T, base, token string) <-chan websocket.StatusCode {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	u := strings.Replace(base, "http", "ws", 1) + "/api/v1/ws"
	conn, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + token}}})
	if err != nil {
		cancel()
		t.Fatalf("dial: %v", err)
	}
	if _, _, err := conn.Read(ctx); err != nil { // hello
		cancel()
		t.Fatalf("hello: %v", err)
	}
	out := make(chan websocket.StatusCode, 1)
	go func() {
		defer cancel()
		for {
			if _, _, err := conn.Read(ctx); err != nil {
				out <- websocket.CloseStatus(err)
				return
			}
		}
	}()
	t.Cleanup(func() { conn.CloseNow() })
	return out
}

func wantClosed(t *testing.T, ch <-chan websocket.StatusCode, want websocket.StatusCode) {
	t.Helper()
	select {
	case got := <-ch:
		if got != want {
			t.Fatalf("WebSocket closed with %d, want %d", got, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("WebSocket not closed")
	}
}

func stillOpen(t *testing.T, ch <-chan websocket.StatusCode) {
	t.Helper()
	select {
	case got := <-ch:
		t.Fatalf("WebSocket of a kept session closed with %d", got)
	default:
	}
}

type sessionsResp struct {
	Sessions []struct {
		ID         string    `json:"id"`
		CreatedAt  chat.Time `json:"created_at"`
		LastSeenAt chat.Time `json:"last_seen_at"`
		UserAgent  string    `json:"user_agent"`
		Address    string    `json:"address"`
		Current    bool      `json:"current"`
	} `json:"sessions"`
}

// TestPasswordAndSessions: a password change ends every other session and
// closes its WebSockets with 4001; sessions are listed and ended one by one
// or all at once, likewise.
func TestPasswordAndSessions(t *testing.T) {
	onEachStore(t, func(t *testing.T, start func(...string) *server) {
		srv := start()
		ada := signUp(t, srv.URL, "ada")
		var me struct{ User chat.User }
		ada.must(200, "GET", "/api/v1/me", nil, &me)
		name := me.User.Username
		second := func(password string) *client {
			c := &client{t: t, base: srv.URL}
			var s struct{ Token string }
			c.must(201, "POST", "/api/v1/sessions", map[string]string{"username": name, "password": password}, &s)
			c.token = s.Token
			return c
		}
		other := second("correct horse battery")
		mine := dialForClose(t, srv.URL, ada.token)
		theirs := dialForClose(t, srv.URL, other.token)

		ada.must(422, "POST", "/api/v1/me/password", map[string]string{"current_password": "wrong horse battery", "new_password": "purple-otter-canyon"}, nil)
		ada.must(422, "POST", "/api/v1/me/password", map[string]string{"current_password": "correct horse battery", "new_password": "password123"}, nil)
		other.must(200, "GET", "/api/v1/me", nil, nil)
		ada.must(204, "POST", "/api/v1/me/password", map[string]string{"current_password": "correct horse battery", "new_password": "purple-otter-canyon"}, nil)
		wantClosed(t, theirs, 4001)
		other.must(401, "GET", "/api/v1/me", nil, nil)
		ada.must(200, "GET", "/api/v1/me", nil, nil)
		stillOpen(t, mine)
		(&client{t: t, base: srv.URL}).must(401, "POST", "/api/v1/sessions", map[string]string{"username": name, "password": "correct horse battery"}, nil)

		// The session list, and ending one session.
		phone := second("purple-otter-canyon")
		phoneWS := dialForClose(t, srv.URL, phone.token)
		var list sessionsResp
		r := ada.must(200, "GET", "/api/v1/me/sessions", nil, &list)
		if len(list.Sessions) != 2 || strings.Contains(string(r.Body), ada.token) || strings.Contains(string(r.Body), chat.HashToken(ada.token)) {
			t.Fatalf("sessions: %s", r.Body)
		}
		var phoneID string
		for _, s := range list.Sessions {
			if s.Address != "127.0.0.1" || s.UserAgent == "" || s.CreatedAt.IsZero() || s.LastSeenAt.IsZero() {
				t.Errorf("session %+v", s)
			}
			if !s.Current {
				phoneID = s.ID
			}
		}
		if phoneID == "" {
			t.Fatalf("no current session marked: %s", r.Body)
		}
		bob := signUp(t, srv.URL, "bob")
		bob.must(404, "DELETE", "/api/v1/me/sessions/"+url.PathEscape(phoneID), nil, nil)
		phone.must(200, "GET", "/api/v1/me", nil, nil)
		ada.must(204, "DELETE", "/api/v1/me/sessions/"+url.PathEscape(phoneID), nil, nil)
		wantClosed(t, phoneWS, 4001)
		phone.must(401, "GET", "/api/v1/me", nil, nil)
		ada.must(404, "DELETE", "/api/v1/me/sessions/"+url.PathEscape(phoneID), nil, nil)

		// Sign out everywhere: this session too.
		tablet := second("purple-otter-canyon")
		tabletWS := dialForClose(t, srv.URL, tablet.token)
		ada.must(204, "DELETE", "/api/v1/me/sessions", nil, nil)
		wantClosed(t, tabletWS, 4001)
		wantClosed(t, mine, 4001)
		ada.must(401, "GET", "/api/v1/me", nil, nil)
		tablet.must(401, "GET", "/api/v1/me", nil, nil)
		bob.must(200, "GET", "/api/v1/me", nil, nil)
	})
}

var verifyLinkRE = regexp.MustCompile(`http://[^\s"<>]+/api/v1/verify-email\?[^\s"<>]+`)

// mailsTo reads the .eml files the file transport wrote for an address.
func mailsTo(t *testing.T, dataDir, addr string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dataDir, "mail", "*.eml"))
	var out []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "To: <"+addr+">") {
			out = append(out, strings.ReplaceAll(strings.ReplaceAll(string(b), "=\r\n", ""), "=3D", "="))
		}
	}
	return out
}

func waitMails(t *testing.T, dataDir, addr string, n int) []string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		if ms := mailsTo(t, dataDir, addr); len(ms) >= n {
			return ms
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d e-mails to %s, want %d", len(mailsTo(t, dataDir, addr)), addr, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestEmailVerification: sign-up mails a link at once; until it is
// followed, a mention of the user is shown in the app but not mailed;
// afterwards mentions are mailed.
func TestEmailVerification(t *testing.T) {
	onEachStore(t, func(t *testing.T, start func(...string) *server) {
		dir := t.TempDir()
		metricsAddr := freeAddr(t)
		srv := start("--data-dir", dir, "--mail-batch-window", "50ms", "--metrics-addr", metricsAddr)
		ada := signUp(t, srv.URL, "ada")
		grace := signUp(t, srv.URL, "grace")
		var me struct{ User chat.User }
		grace.must(200, "GET", "/api/v1/me", nil, &me)
		if me.User.EmailVerified {
			t.Fatal("a new account is verified")
		}
		first := waitMails(t, dir, me.User.Email, 1)
		link := verifyLinkRE.FindString(first[0])
		if link == "" {
			t.Fatalf("no link in:\n%s", first[0])
		}
		grace.must(429, "POST", "/api/v1/me/email/verify", nil, nil)

		var room roomResp
		ada.must(201, "POST", "/api/v1/rooms", map[string]string{"name": "general"}, &room)
		ada.must(201, "POST", "/api/v1/rooms/"+room.Room.ID+"/messages", map[string]string{"body": "hi @" + me.User.Username}, nil)
		var mentions struct{ Mentions []chat.Mention }
		grace.must(200, "GET", "/api/v1/me/mentions", nil, &mentions)
		if len(mentions.Mentions) != 1 {
			t.Fatalf("mention not listed: %+v", mentions)
		}
		waitSkipped(t, "http://"+metricsAddr, 1) // the mention's batch, formed and skipped
		if n := len(mailsTo(t, dir, me.User.Email)); n != 1 {
			t.Fatalf("an unverified address got %d e-mails, want only the verification", n)
		}

		anon := &client{t: t, base: srv.URL}
		u, err := url.Parse(link)
		if err != nil {
			t.Fatal(err)
		}
		path := u.RequestURI()
		page := anon.do("GET", path, nil)
		if page.Status != 200 || !strings.Contains(string(page.Body), "Confirm") {
			t.Fatalf("GET link: %d %s", page.Status, page.Body)
		}
		grace.must(200, "GET", "/api/v1/me", nil, &me)
		if me.User.EmailVerified {
			t.Fatal("GET verified the address (mail scanners follow links)")
		}
		if r := anon.do("POST", path, nil); r.Status != 200 {
			t.Fatalf("POST link: %d %s", r.Status, r.Body)
		}
		grace.must(200, "GET", "/api/v1/me", nil, &me)
		if !me.User.EmailVerified {
			t.Fatal("not verified after the link")
		}
		grace.must(409, "POST", "/api/v1/me/email/verify", nil, nil)
		if r := anon.do("GET", path+"x", nil); r.Status != 401 {
			t.Fatalf("tampered link: %d", r.Status)
		}

		ada.must(201, "POST", "/api/v1/rooms/"+room.Room.ID+"/messages", map[string]string{"body": "again @" + me.User.Username}, nil)
		mails := waitMails(t, dir, me.User.Email, 2)
		if !strings.Contains(strings.Join(mails, "\n"), "again @"+me.User.Username) {
			t.Fatal("the mention after verification was not mailed")
		}
	})
}

// waitSkipped waits until the mail worker has skipped n batches
// (openchat_mail_batches_total{outcome="skipped"} on /metrics of the
// --metrics-addr listener at base).
func waitSkipped(t *testing.T, base string, n int) {
	t.Helper()
	want := fmt.Sprintf(`openchat_mail_batches_total{outcome="skipped"} %d`, n)
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body := readAll(t, resp)
		resp.Body.Close()
		if strings.Contains(body, want+"\n") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s in /metrics", want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

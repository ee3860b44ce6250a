package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

func TestSignUpRules(t *testing.T) {
	e := newEnv(t, nil)
	e.signUp(t, "ada")
	signUp := func(username, email, password, display string) string {
		b, _ := json.Marshal(map[string]string{"username": username, "email": email, "password": password, "display_name": display})
		return string(b)
	}
	tests := []struct {
		name, body string
		status     int
		code       string
		field      string
	}{
		{"spaces password", signUp("eve", "eve@example.org", "          ", ""), 422, "invalid", "password"},
		{"common password", signUp("eve", "eve@example.org", "password123", ""), 422, "invalid", "password"},
		{"keyboard password", signUp("eve", "eve@example.org", "qwertyuiop[]", ""), 422, "invalid", "password"},
		{"nine characters", signUp("eve", "eve@example.org", "Xq7#pL2!z", ""), 422, "invalid", "password"},
		{"username as password", signUp("evelyn.smith", "eve@example.org", "evelyn.smith1", ""), 422, "invalid", "password"},
		{"email as password", signUp("eve", "evelyn.smith@example.org", "evelyn.smith@example", ""), 422, "invalid", "password"},
		{"username override", signUp("eve\u202e", "eve@example.org", testPassword, ""), 422, "invalid", "username"},
		{"username zero width", signUp("e\u200bve", "eve@example.org", testPassword, ""), 422, "invalid", "username"},
		{"display name isolate", signUp("eve", "eve@example.org", testPassword, "Eve\u2066"), 422, "invalid", "display_name"},
		{"display name bell", signUp("eve", "eve@example.org", testPassword, "Eve\a"), 422, "invalid", "display_name"},
		{"email newline", signUp("eve", "eve\n@example.org", testPassword, ""), 422, "invalid", "email"},
		{"taken address", signUp("eve", "Ada@Example.org", testPassword, ""), 409, "conflict", ""},
		{"taken username, full width", signUp("ＡＤＡ", "eve@example.org", testPassword, ""), 409, "conflict", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, e.do(t, req{method: "POST", path: "/api/v1/users", body: tt.body}), tt.status, tt.code, tt.field)
		})
	}
	// The message says why.
	rec := e.do(t, req{method: "POST", path: "/api/v1/users", body: signUp("eve", "eve@example.org", "password123", "")})
	if e := must[apiError](t, rec, 422); !strings.Contains(e.Error.Message, "too easy to guess") {
		t.Errorf("message %q", e.Error.Message)
	}
	// PRECIS: full-width letters sign in as the ASCII name.
	rec = e.do(t, req{method: "POST", path: "/api/v1/sessions", body: `{"username":"ＡＤＡ","password":"` + testPassword + `"}`})
	must[struct{ Token string }](t, rec, http.StatusCreated)
}

func TestMeShowsVerification(t *testing.T) {
	e := newEnv(t, nil)
	_, tok := e.signUp(t, "ada")
	rec := e.do(t, req{method: "GET", path: "/api/v1/me", token: tok})
	if !strings.Contains(rec.Body.String(), `"email_verified":false`) {
		t.Fatalf("me: %s", rec.Body)
	}
	wantError(t, e.do(t, req{method: "POST", path: "/api/v1/me/email/verify", token: tok}), 429, "rate_limited", "")
}

func TestChangePasswordRoute(t *testing.T) {
	e := newEnv(t, nil)
	_, tok := e.signUp(t, "ada")
	other := e.signIn(t, "ada")
	change := func(current, next string) *req {
		b, _ := json.Marshal(map[string]string{"current_password": current, "new_password": next})
		return &req{method: "POST", path: "/api/v1/me/password", token: tok, body: string(b)}
	}
	wantError(t, e.do(t, *change("wrong horse battery", "purple-otter-canyon")), 422, "invalid", "current_password")
	wantError(t, e.do(t, *change(testPassword, "correct")), 422, "invalid", "new_password")
	wantError(t, e.do(t, req{method: "POST", path: "/api/v1/me/password", token: tok, body: `{"new_password":"x"}`}), 422, "invalid", "current_password")
	wantError(t, e.do(t, req{method: "POST", path: "/api/v1/me/password", body: `{}`}), 401, "unauthorized", "")
	if rec := e.do(t, *change(testPassword, "purple-otter-canyon")); rec.Code != http.StatusNoContent {
		t.Fatalf("change: %d %s", rec.Code, rec.Body)
	}
	wantError(t, e.do(t, req{method: "GET", path: "/api/v1/me", token: other}), 401, "unauthorized", "")
	if rec := e.do(t, req{method: "GET", path: "/api/v1/me", token: tok}); rec.Code != 200 {
		t.Fatalf("the changing session ended: %d", rec.Code)
	}
}

func TestSessionRoutes(t *testing.T) {
	e := newEnv(t, nil)
	_, tok := e.signUp(t, "ada")
	_, bobTok := e.signUp(t, "bob")
	rec := e.do(t, req{method: "POST", path: "/api/v1/sessions", body: `{"username":"ada","password":"` + testPassword + `"}`,
		header: http.Header{"User-Agent": {"Phone/1.0"}}, remote: "198.51.100.9:5555"})
	phone := must[struct{ Token string }](t, rec, http.StatusCreated).Token

	rec = e.do(t, req{method: "GET", path: "/api/v1/me/sessions", token: tok})
	raw := must[struct{ Sessions []map[string]any }](t, rec, 200)
	if len(raw.Sessions) != 2 { // signUp's sign-in and the phone
		t.Fatalf("sessions: %s", rec.Body)
	}
	var phoneID string
	for _, s := range raw.Sessions {
		if len(s) != 6 {
			t.Errorf("session fields: %v", s)
		}
		for _, k := range []string{"id", "created_at", "last_seen_at", "user_agent", "address", "current"} {
			if _, ok := s[k]; !ok {
				t.Errorf("session lacks %s: %v", k, s)
			}
		}
		if s["user_agent"] == "Phone/1.0" {
			phoneID, _ = s["id"].(string)
			if s["address"] != "198.51.100.9" || s["current"] != false {
				t.Errorf("phone session %v", s)
			}
		}
	}
	for _, secret := range []string{tok, phone, chat.HashToken(tok), chat.HashToken(phone)} {
		if strings.Contains(rec.Body.String(), secret) {
			t.Fatal("the session list shows a token or its hash")
		}
	}
	wantError(t, e.do(t, req{method: "DELETE", path: "/api/v1/me/sessions/" + phoneID, token: bobTok}), 404, "not_found", "")
	if rec := e.do(t, req{method: "DELETE", path: "/api/v1/me/sessions/" + phoneID, token: tok}); rec.Code != 204 || rec.Header().Get("Set-Cookie") != "" {
		t.Fatalf("end phone: %d, Set-Cookie %q", rec.Code, rec.Header().Get("Set-Cookie"))
	}
	wantError(t, e.do(t, req{method: "GET", path: "/api/v1/me", token: phone}), 401, "unauthorized", "")

	// Ending the current session by id clears the cookie.
	rec = e.do(t, req{method: "GET", path: "/api/v1/me/sessions", cookie: tok})
	var cur string
	for _, s := range must[struct{ Sessions []chat.SessionInfo }](t, rec, 200).Sessions {
		if s.Current {
			cur = s.ID
		}
	}
	rec = e.do(t, req{method: "DELETE", path: "/api/v1/me/sessions/" + cur, cookie: tok})
	if rec.Code != 204 || !strings.Contains(rec.Header().Get("Set-Cookie"), "Max-Age=0") {
		t.Fatalf("end current: %d, Set-Cookie %q", rec.Code, rec.Header().Get("Set-Cookie"))
	}

	// Everywhere: every session of the caller, not bob's.
	other := e.signIn(t, "ada")
	rec = e.do(t, req{method: "DELETE", path: "/api/v1/me/sessions", token: other})
	if rec.Code != 204 || !strings.Contains(rec.Header().Get("Set-Cookie"), "Max-Age=0") {
		t.Fatalf("everywhere: %d %q", rec.Code, rec.Header().Get("Set-Cookie"))
	}
	for _, tk := range []string{other, tok} {
		wantError(t, e.do(t, req{method: "GET", path: "/api/v1/me", token: tk}), 401, "unauthorized", "")
	}
	if rec := e.do(t, req{method: "GET", path: "/api/v1/me", token: bobTok}); rec.Code != 200 {
		t.Fatalf("bob signed out: %d", rec.Code)
	}
}

func TestVerifyEmailLink(t *testing.T) {
	e := newEnv(t, nil)
	ada, tok := e.signUp(t, "ada")
	link := func(secret []byte, expires time.Time) string {
		return "/api/v1/verify-email?" + url.Values{"user": {ada.ID}, "expires": {strconv.FormatInt(expires.Unix(), 10)},
			"token": {chat.EmailVerifyToken(secret, ada.ID, ada.Email, expires)}}.Encode()
	}
	expires := time.Now().Add(time.Hour).Truncate(time.Second)
	good := link(testSecret, expires)
	for name, path := range map[string]string{
		"forged":      link([]byte("other"), expires),
		"expired":     link(testSecret, time.Now().Add(-time.Minute)),
		"no expiry":   "/api/v1/verify-email?user=" + ada.ID + "&token=x",
		"bad expiry":  "/api/v1/verify-email?user=" + ada.ID + "&expires=x&token=x",
		"other user":  strings.Replace(good, ada.ID, chat.NewID(), 1),
		"nul in user": "/api/v1/verify-email?user=%00&expires=1&token=x",
	} {
		for _, m := range []string{"GET", "POST"} {
			if rec := e.do(t, req{method: m, path: path}); rec.Code != 401 {
				t.Errorf("%s %s link: %d, want 401", m, name, rec.Code)
			}
		}
	}
	rec := e.do(t, req{method: "GET", path: good})
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `<form method="post"`) || !strings.Contains(rec.Body.String(), "Confirm") {
		t.Fatalf("page: %d %s", rec.Code, rec.Body)
	}
	checkPageHeaders(t, rec) // the same page as unsubscribe's: not framable, no script
	if strings.Contains(e.do(t, req{method: "GET", path: "/api/v1/me", token: tok}).Body.String(), `"email_verified":true`) {
		t.Fatal("GET verified")
	}
	if rec := e.do(t, req{method: "POST", path: good, ctype: "application/x-www-form-urlencoded", body: "x=1"}); rec.Code != 200 {
		t.Fatalf("POST: %d %s", rec.Code, rec.Body)
	}
	if !strings.Contains(e.do(t, req{method: "GET", path: "/api/v1/me", token: tok}).Body.String(), `"email_verified":true`) {
		t.Fatal("not verified")
	}
	wantError(t, e.do(t, req{method: "POST", path: "/api/v1/me/email/verify", token: tok}), 409, "conflict", "")
}

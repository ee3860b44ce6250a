package httpapi_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/httpapi"
)

func TestSessions(t *testing.T) {
	for _, secure := range []bool{false, true} {
		t.Run("secure="+strconv.FormatBool(secure), func(t *testing.T) {
			e := newEnv(t, func(c *httpapi.Config, _ *httpapi.Deps) { c.SecureCookies = secure })
			rec := e.do(t, req{method: "POST", path: "/api/v1/users",
				body: `{"username":"Ada","email":"ada@example.org","password":"` + testPassword + `","display_name":"Ada L."}`})
			u := must[struct{ User chat.User }](t, rec, 201).User
			if u.Username != "ada" || u.Email != "ada@example.org" || u.EmailNotifications != chat.NotifyAlways || u.DisplayName != "Ada L." {
				t.Errorf("sign-up user = %+v", u)
			}
			if strings.Contains(rec.Body.String(), "argon2") || strings.Contains(rec.Body.String(), "password") {
				t.Errorf("sign-up leaks the hash: %s", rec.Body)
			}

			rec = e.do(t, req{method: "POST", path: "/api/v1/sessions", body: `{"username":"ADA","password":"` + testPassword + `"}`})
			in := must[struct {
				Token string
				User  chat.User
			}](t, rec, 201)
			if in.Token == "" || in.User.ID != u.ID || in.User.Email == "" {
				t.Fatalf("sign-in = %+v", in)
			}
			c := sessionCookieOf(t, rec.Result().Cookies())
			if c.Value != in.Token || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" ||
				c.MaxAge != int(chat.SessionTTL.Seconds()) || c.Secure != secure {
				t.Errorf("cookie = %+v", c)
			}

			for name, r := range map[string]req{"bearer": {token: in.Token}, "cookie": {cookie: in.Token}} {
				r.method, r.path = "GET", "/api/v1/me"
				me := must[struct{ User chat.User }](t, e.do(t, r), 200).User
				if me.ID != u.ID || me.Email != "ada@example.org" {
					t.Errorf("%s: me = %+v", name, me)
				}
			}

			other := e.signIn(t, "ada") // a second session survives the first's sign-out
			rec = e.do(t, req{method: "DELETE", path: "/api/v1/sessions/current", cookie: in.Token})
			if rec.Code != http.StatusNoContent {
				t.Fatalf("sign-out = %d %s", rec.Code, rec.Body)
			}
			if c := sessionCookieOf(t, rec.Result().Cookies()); c.MaxAge >= 0 || c.Value != "" {
				t.Errorf("sign-out cookie = %+v, want cleared", c)
			}
			wantError(t, e.do(t, req{method: "GET", path: "/api/v1/me", token: in.Token}), 401, "unauthorized", "")
			must[struct{ User chat.User }](t, e.do(t, req{method: "GET", path: "/api/v1/me", token: other}), 200)
		})
	}
}

func sessionCookieOf(t *testing.T, cs []*http.Cookie) *http.Cookie {
	t.Helper()
	for _, c := range cs {
		if c.Name == httpapi.SessionCookie {
			return c
		}
	}
	t.Fatalf("no %s cookie in %v", httpapi.SessionCookie, cs)
	return nil
}

// TestLoginFailureRevealsNothing: unknown user and wrong password answer alike.
func TestLoginFailureRevealsNothing(t *testing.T) {
	e := newEnv(t, nil)
	e.signUp(t, "ada")
	// One request id for both, so the bodies may be compared whole.
	id := http.Header{"X-Request-Id": {"same-id"}}
	wrong := e.do(t, req{method: "POST", path: "/api/v1/sessions", body: `{"username":"ada","password":"wrong password"}`, header: id})
	unknown := e.do(t, req{method: "POST", path: "/api/v1/sessions", body: `{"username":"nobody","password":"wrong password"}`, header: id})
	wantError(t, wrong, 401, "unauthorized", "")
	if wrong.Body.String() != unknown.Body.String() || unknown.Code != wrong.Code {
		t.Errorf("responses differ:\n%s\n%s", wrong.Body, unknown.Body)
	}
	if len(wrong.Result().Cookies()) != 0 {
		t.Error("failed sign-in set a cookie")
	}
}

// TestPrivateFields: other users never see e-mail addresses or preferences.
func TestPrivateFields(t *testing.T) {
	e := newEnv(t, nil)
	_, ada := e.signUp(t, "ada")
	_, bob := e.signUp(t, "bob")
	room := e.createRoom(t, ada, "general")
	e.post(t, ada, room.ID, "hi @bob")
	for _, path := range []string{"/api/v1/rooms/" + room.ID + "/messages", "/api/v1/users?prefix=a", "/api/v1/me/mentions", "/api/v1/rooms"} {
		rec := e.do(t, req{method: "GET", path: path, token: bob})
		if rec.Code != 200 || strings.Contains(rec.Body.String(), "@example.org") || strings.Contains(rec.Body.String(), "email") {
			t.Errorf("GET %s = %d %s", path, rec.Code, rec.Body)
		}
	}
}

func TestUpdateMe(t *testing.T) {
	e := newEnv(t, nil)
	_, token := e.signUp(t, "ada")
	cases := []struct {
		body        string
		wantName    string
		wantNotify  chat.NotifyPref
		wantLang    chat.Language
		description string
	}{
		{`{}`, "ada", chat.NotifyAlways, chat.English, "empty patch"},
		{`{"display_name":"  Ada Lovelace "}`, "Ada Lovelace", chat.NotifyAlways, chat.English, "name"},
		{`{"email_notifications":"offline"}`, "Ada Lovelace", chat.NotifyOffline, chat.English, "preference"},
		{`{"display_name":"Ada","email_notifications":"never"}`, "Ada", chat.NotifyNever, chat.English, "both"},
		{`{"language":"es"}`, "Ada", chat.NotifyNever, chat.Spanish, "language"},
	}
	for _, c := range cases {
		t.Run(c.description, func(t *testing.T) {
			u := must[struct{ User chat.User }](t, e.do(t, req{method: "PATCH", path: "/api/v1/me", token: token, body: c.body}), 200).User
			if u.DisplayName != c.wantName || u.EmailNotifications != c.wantNotify || u.Language != c.wantLang || u.Email == "" {
				t.Errorf("user = %+v", u)
			}
		})
	}
	if me := must[struct{ User chat.User }](t, e.do(t, req{method: "GET", path: "/api/v1/me", token: token}), 200).User; me.Language != chat.Spanish {
		t.Errorf("GET /me after the change: %+v", me)
	}
}

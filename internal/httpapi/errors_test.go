package httpapi_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/open-chat/openchat/internal/httpapi"
)

// firstString matches the first string member of a JSON object.
var firstString = regexp.MustCompile(`^\{"([a-z_]+)":"[^"]*"(.*)$`)

// TestBodyErrors sends every kind of bad body to every route that reads
// one, and checks that nothing changed afterwards.
func TestBodyErrors(t *testing.T) {
	const maxBody = 1024
	e := newEnv(t, func(c *httpapi.Config, _ *httpapi.Deps) { c.MaxBodyBytes = maxBody })
	_, token := e.signUp(t, "ada")
	room := e.createRoom(t, token, "general")

	routes := []struct {
		method, path, good string
	}{
		{"POST", "/api/v1/users", `{"username":"bob","email":"bob@example.org","password":"` + testPassword + `"}`},
		{"POST", "/api/v1/sessions", `{"username":"ada","password":"` + testPassword + `"}`},
		{"PATCH", "/api/v1/me", `{"display_name":"Ada L"}`},
		{"POST", "/api/v1/rooms", `{"name":"random"}`},
		{"POST", "/api/v1/rooms/" + room.ID + "/messages", `{"body":"hello"}`},
	}
	cases := []struct {
		name   string
		body   func(good string) string
		ctype  string
		status int
		code   string
	}{
		{"malformed", func(string) string { return `{"name":` }, "", 400, "bad_request"},
		{"not an object", func(string) string { return `[1,2]` }, "", 400, "bad_request"},
		{"empty", func(string) string { return "" }, jsonType, 400, "bad_request"},
		{"unknown field", func(g string) string { return strings.Replace(g, "{", `{"admin":true,`, 1) }, "", 400, "bad_request"},
		{"trailing data", func(g string) string { return g + `{}` }, "", 400, "bad_request"},
		{"trailing garbage", func(g string) string { return g + `x` }, "", 400, "bad_request"},
		{"invalid UTF-8", func(g string) string { return strings.Replace(g, `"}`, "\xff\"}", 1) }, "", 400, "bad_request"},
		{"wrong type", func(g string) string { return firstString.ReplaceAllString(g, `{"$1":1$2`) }, "", 400, "bad_request"},
		{"too large", func(g string) string { return strings.Replace(g, "{", `{"x":"`+strings.Repeat("a", maxBody)+`",`, 1) }, "", 413, "too_large"},
		{"no content type", func(g string) string { return g }, "-", 415, "unsupported_media_type"},
		{"text/plain", func(g string) string { return g }, "text/plain", 415, "unsupported_media_type"},
		{"form", func(g string) string { return g }, "application/x-www-form-urlencoded", 415, "unsupported_media_type"},
	}
	for _, rt := range routes {
		for _, c := range cases {
			t.Run(rt.method+" "+rt.path+" "+c.name, func(t *testing.T) {
				rec := e.do(t, req{method: rt.method, path: rt.path, token: token, body: c.body(rt.good), ctype: c.ctype})
				field := ""
				if c.name == "wrong type" { // names the field whose value has the wrong type
					field = firstString.FindStringSubmatch(rt.good)[1]
				}
				wantError(t, rec, c.status, c.code, field)
			})
		}
	}

	t.Run("nothing changed", func(t *testing.T) {
		rooms := must[struct{ Rooms []struct{ Name string } }](t, e.do(t, req{method: "GET", path: "/api/v1/rooms", token: token}), 200)
		if len(rooms.Rooms) != 1 {
			t.Errorf("rooms = %+v, want only general", rooms.Rooms)
		}
		msgs := must[struct{ Messages []any }](t, e.do(t, req{method: "GET", path: "/api/v1/rooms/" + room.ID + "/messages", token: token}), 200)
		if len(msgs.Messages) != 0 {
			t.Errorf("messages = %v, want none", msgs.Messages)
		}
		me := must[struct {
			User struct {
				DisplayName string `json:"display_name"`
			}
		}](t, e.do(t, req{method: "GET", path: "/api/v1/me", token: token}), 200)
		if me.User.DisplayName != "ada" {
			t.Errorf("display name = %q, want ada", me.User.DisplayName)
		}
		wantError(t, e.do(t, req{method: "POST", path: "/api/v1/sessions", body: `{"username":"bob","password":"` + testPassword + `"}`}), 401, "unauthorized", "")
	})

	t.Run("good bodies pass with charset", func(t *testing.T) {
		for _, rt := range routes {
			rec := e.do(t, req{method: rt.method, path: rt.path, token: token, body: rt.good, ctype: "application/json; charset=utf-8"})
			if rec.Code >= 300 {
				t.Errorf("%s %s: %d %s", rt.method, rt.path, rec.Code, rec.Body)
			}
		}
	})
}

func TestFieldErrors(t *testing.T) {
	e := newEnv(t, nil)
	_, token := e.signUp(t, "ada")
	room := e.createRoom(t, token, "general")
	msgs := "/api/v1/rooms/" + room.ID + "/messages"
	cases := []struct {
		name         string
		method, path string
		body         string
		status       int
		code, field  string
	}{
		{"short username", "POST", "/api/v1/users", `{"username":"ab","email":"ab@example.org","password":"` + testPassword + `"}`, 422, "invalid", "username"},
		{"bad username", "POST", "/api/v1/users", `{"username":"a b c","email":"ab@example.org","password":"` + testPassword + `"}`, 422, "invalid", "username"},
		{"unknown language at sign-up", "POST", "/api/v1/users", `{"username":"lang","email":"lang@example.org","password":"` + testPassword + `","language":"fr"}`, 422, "invalid", "language"},
		{"bad email", "POST", "/api/v1/users", `{"username":"bob","email":"nope","password":"` + testPassword + `"}`, 422, "invalid", "email"},
		{"short password", "POST", "/api/v1/users", `{"username":"bob","email":"bob@example.org","password":"short"}`, 422, "invalid", "password"},
		{"taken username", "POST", "/api/v1/users", `{"username":"ADA","email":"x@example.org","password":"` + testPassword + `"}`, 409, "conflict", ""},
		{"empty room name", "POST", "/api/v1/rooms", `{"name":"  "}`, 422, "invalid", "name"},
		{"long topic", "POST", "/api/v1/rooms", `{"name":"x","topic":"` + strings.Repeat("t", 257) + `"}`, 422, "invalid", "topic"},
		{"taken room", "POST", "/api/v1/rooms", `{"name":"GENERAL"}`, 409, "conflict", ""},
		{"empty body", "POST", msgs, `{"body":"   "}`, 422, "invalid", "body"},
		{"long body", "POST", msgs, `{"body":"` + strings.Repeat("é", 4001) + `"}`, 422, "invalid", "body"},
		{"bad client_id", "POST", msgs, `{"body":"hi","client_id":"a b"}`, 422, "invalid", "client_id"},
		{"unknown room post", "POST", "/api/v1/rooms/nope/messages", `{"body":"hi"}`, 404, "not_found", ""},
		{"empty display name", "PATCH", "/api/v1/me", `{"display_name":" "}`, 422, "invalid", "display_name"},
		{"bad preference", "PATCH", "/api/v1/me", `{"email_notifications":"sometimes"}`, 422, "invalid", "email_notifications"},
		{"unknown language", "PATCH", "/api/v1/me", `{"language":"fr"}`, 422, "invalid", "language"},
		{"unknown room", "GET", "/api/v1/rooms/nope", "", 404, "not_found", ""},
		{"unknown room messages", "GET", "/api/v1/rooms/nope/messages", "", 404, "not_found", ""},
		{"limit abc", "GET", msgs + "?limit=abc", "", 422, "invalid", "limit"},
		{"limit 0", "GET", msgs + "?limit=0", "", 422, "invalid", "limit"},
		{"limit 101", "GET", msgs + "?limit=101", "", 422, "invalid", "limit"},
		{"before -1", "GET", msgs + "?before=-1", "", 422, "invalid", "before"},
		{"before empty", "GET", msgs + "?before=", "", 422, "invalid", "before"},
		{"after x", "GET", msgs + "?after=x", "", 422, "invalid", "after"},
		{"before and after", "GET", msgs + "?before=5&after=1", "", 422, "invalid", "after"},
		{"mentions before", "GET", "/api/v1/me/mentions?before=abc", "", 422, "invalid", "before"},
		{"mentions limit", "GET", "/api/v1/me/mentions?limit=1000", "", 422, "invalid", "limit"},
		{"users limit", "GET", "/api/v1/users?limit=-3", "", 422, "invalid", "limit"},
		{"users prefix", "GET", "/api/v1/users?prefix=" + strings.Repeat("a", 33), "", 422, "invalid", "prefix"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantError(t, e.do(t, req{method: c.method, path: c.path, body: c.body, token: token}), c.status, c.code, c.field)
		})
	}
	rooms := must[struct{ Rooms []any }](t, e.do(t, req{method: "GET", path: "/api/v1/rooms", token: token}), 200)
	if len(rooms.Rooms) != 1 {
		t.Errorf("rejected requests created rooms: %v", rooms.Rooms)
	}
}

func TestUnauthorized(t *testing.T) {
	e := newEnv(t, nil)
	_, token := e.signUp(t, "ada")
	room := e.createRoom(t, token, "general")
	routes := []struct{ method, path, body string }{
		{"DELETE", "/api/v1/sessions/current", ""},
		{"GET", "/api/v1/me", ""},
		{"PATCH", "/api/v1/me", `{"display_name":"x"}`},
		{"GET", "/api/v1/me/mentions", ""},
		{"GET", "/api/v1/users?prefix=a", ""},
		{"GET", "/api/v1/rooms", ""},
		{"POST", "/api/v1/rooms", `{"name":"x"}`},
		{"GET", "/api/v1/rooms/" + room.ID, ""},
		{"GET", "/api/v1/rooms/" + room.ID + "/messages", ""},
		{"POST", "/api/v1/rooms/" + room.ID + "/messages", `{"body":"x"}`},
		{"GET", "/api/v1/ws", ""},
	}
	creds := []struct {
		name string
		r    req
	}{
		{"none", req{}},
		{"bad bearer", req{token: "not-a-token"}},
		{"bad cookie", req{cookie: "not-a-token"}},
		{"basic auth", req{header: http.Header{"Authorization": {"Basic YWRhOnB3"}}}},
		{"empty bearer", req{header: http.Header{"Authorization": {"Bearer "}}}},
		{"basic beats good cookie", req{cookie: token, header: http.Header{"Authorization": {"Basic YWRhOnB3"}}}},
		{"query token off the ws route", req{}},
	}
	for _, rt := range routes {
		for _, c := range creds {
			t.Run(rt.method+" "+rt.path+" "+c.name, func(t *testing.T) {
				r := c.r
				r.method, r.path, r.body = rt.method, rt.path, rt.body
				if c.name == "query token off the ws route" {
					if rt.path == "/api/v1/ws" {
						t.Skip("the ws route accepts ?token=")
					}
					sep := "?"
					if strings.Contains(r.path, "?") {
						sep = "&"
					}
					r.path += sep + "token=" + token
				}
				rec := e.do(t, r)
				wantError(t, rec, 401, "unauthorized", "")
				if rec.Header().Get("WWW-Authenticate") == "" {
					t.Error("no WWW-Authenticate header")
				}
			})
		}
	}
	if n := e.ws.count(); n != 0 {
		t.Errorf("ws handler ran %d times without credentials", n)
	}
}

package httpapi_test

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/open-chat/openchat/internal/httpapi"
)

// web stands in for the web client; /panic panics.
var web = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/panic" {
		panic("boom")
	}
	w.Header().Set("Content-Type", "text/html")
	_, _ = io.WriteString(w, "<html>app</html>")
})

// TestRouting: 404 and 405 as JSON, the web client for the rest, and
// X-Served-By on all of it (req.do checks the header on every response).
func TestRouting(t *testing.T) {
	withWeb := newEnv(t, func(_ *httpapi.Config, d *httpapi.Deps) { d.Web = web })
	bare := newEnv(t, nil)
	cases := []struct {
		name   string
		e      *env
		method string
		path   string
		status int
		allow  string // Allow header of a 405
		label  string // metrics route label
		body   string // substring of the body
	}{
		{"healthz", bare, "GET", "/healthz", 200, "", "GET /healthz", `"status":"ok"`},
		{"readyz", bare, "GET", "/readyz", 200, "", "GET /readyz", `"ready"`},
		{"openapi", bare, "GET", "/api/v1/openapi.yaml", 200, "", "GET /api/v1/openapi.yaml", "openapi: 3.1"},
		{"unknown api route", withWeb, "GET", "/api/v1/nope", 404, "", "unmatched", `"not_found"`},
		{"api trailing slash", withWeb, "GET", "/api/v1/rooms/", 404, "", "unmatched", `"not_found"`},
		{"api root", withWeb, "GET", "/api", 404, "", "unmatched", `"not_found"`},
		{"healthz subpath", withWeb, "GET", "/healthz/x", 404, "", "unmatched", `"not_found"`},
		{"no web client", bare, "GET", "/", 404, "", "unmatched", `"not_found"`},
		{"web client", withWeb, "GET", "/rooms/abc", 200, "", "web", "<html>app</html>"},
		{"web root", withWeb, "GET", "/", 200, "", "web", "<html>app</html>"},
		{"web post", withWeb, "POST", "/index.html", 200, "", "web", "app"},
		{"metrics are not public", withWeb, "GET", "/metrics", 404, "", "unmatched", `"not_found"`},
		{"405 rooms", withWeb, "DELETE", "/api/v1/rooms", 405, "GET, HEAD, POST", "unmatched", `"method_not_allowed"`},
		{"405 me", withWeb, "PUT", "/api/v1/me", 405, "GET, HEAD, PATCH, DELETE", "unmatched", `"method_not_allowed"`},
		{"405 room", bare, "POST", "/api/v1/rooms/abc", 405, "GET, HEAD, PATCH", "unmatched", `"method_not_allowed"`},
		{"405 healthz", withWeb, "POST", "/healthz", 405, "GET, HEAD", "unmatched", `"method_not_allowed"`},
		{"405 sessions", bare, "GET", "/api/v1/sessions", 405, "POST", "unmatched", `"method_not_allowed"`},
		{"panic", withWeb, "GET", "/panic", 500, "", "web", `"internal"`},
		{"pattern label", bare, "GET", "/api/v1/rooms/some-id", 401, "", "GET /api/v1/rooms/{room_id}", `"unauthorized"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := c.e.do(t, req{method: c.method, path: c.path})
			if rec.Code != c.status || !strings.Contains(rec.Body.String(), c.body) {
				t.Fatalf("%d %s, want %d with %q", rec.Code, rec.Body, c.status, c.body)
			}
			if got := rec.Header().Get("Allow"); got != c.allow {
				t.Errorf("Allow = %q, want %q", got, c.allow)
			}
			if want := c.label + " " + http.StatusText(c.status); c.e.metrics.last() != want {
				t.Errorf("metrics = %q, want %q", c.e.metrics.last(), want)
			}
			isAPI := c.label != "web"
			if got := rec.Header().Get("X-Content-Type-Options") == "nosniff"; got != isAPI && c.status != 500 {
				t.Errorf("nosniff = %v, want %v", got, isAPI)
			}
			if rec.Header().Get("Content-Security-Policy") != "" {
				t.Error("the API must not set Content-Security-Policy")
			}
		})
	}
	if ct := bare.do(t, req{method: "GET", path: "/api/v1/openapi.yaml"}).Header().Get("Content-Type"); ct != "application/yaml" {
		t.Errorf("openapi Content-Type = %q", ct)
	}
}

func TestReadyzDown(t *testing.T) {
	e := newEnv(t, nil)
	if err := e.store.Close(); err != nil {
		t.Fatal(err)
	}
	wantError(t, e.do(t, req{method: "GET", path: "/readyz"}), 503, "unavailable", "")
	must[map[string]string](t, e.do(t, req{method: "GET", path: "/healthz"}), 200)
}

func TestCORS(t *testing.T) {
	const good, evil = "https://app.example.org", "https://evil.example"
	e := newEnv(t, func(c *httpapi.Config, d *httpapi.Deps) {
		c.AllowedOrigins = []string{good + "/"}
		d.Web = web
	})
	_, token := e.signUp(t, "ada")
	preflight := http.Header{"Access-Control-Request-Method": {"POST"}, "Access-Control-Request-Headers": {"content-type, authorization"}}
	cases := []struct {
		name     string
		r        req
		status   int
		wantCORS bool
	}{
		{"allowed origin", req{method: "GET", path: "/api/v1/me", token: token, header: http.Header{"Origin": {good}}}, 200, true},
		{"allowed origin error", req{method: "GET", path: "/api/v1/me", header: http.Header{"Origin": {good}}}, 401, true},
		{"other origin", req{method: "GET", path: "/api/v1/me", token: token, header: http.Header{"Origin": {evil}}}, 200, false},
		{"no origin", req{method: "GET", path: "/api/v1/me", token: token}, 200, false},
		{"preflight allowed", req{method: "OPTIONS", path: "/api/v1/rooms", header: with(preflight, "Origin", good)}, 204, true},
		{"preflight other", req{method: "OPTIONS", path: "/api/v1/rooms", header: with(preflight, "Origin", evil)}, 405, false},
		{"not the API", req{method: "GET", path: "/", header: http.Header{"Origin": {good}}}, 200, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := e.do(t, c.r)
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, c.status, rec.Body)
			}
			h := rec.Header()
			if got := h.Get("Access-Control-Allow-Origin") != ""; got != c.wantCORS {
				t.Fatalf("CORS headers %v, want %v: %v", got, c.wantCORS, h)
			}
			if !c.wantCORS {
				return
			}
			if h.Get("Access-Control-Allow-Origin") != good || h.Get("Access-Control-Allow-Credentials") != "true" || !strings.Contains(strings.Join(h.Values("Vary"), ","), "Origin") {
				t.Errorf("headers = %v", h)
			}
			if c.r.method == "OPTIONS" {
				for k, want := range map[string]string{"Access-Control-Allow-Methods": "POST", "Access-Control-Allow-Headers": "Authorization", "Access-Control-Max-Age": "600"} {
					if !strings.Contains(h.Get(k), want) {
						t.Errorf("%s = %q, want %q in it", k, h.Get(k), want)
					}
				}
				if !strings.Contains(h.Get("Access-Control-Allow-Headers"), "Content-Type") {
					t.Errorf("Allow-Headers = %q", h.Get("Access-Control-Allow-Headers"))
				}
			}
		})
	}
}

// TestCORSAllowsEveryRouteMethod: a cross-origin client may use every
// method the API routes (PUT members and read were once left out).
func TestCORSAllowsEveryRouteMethod(t *testing.T) {
	const good = "https://app.example.org"
	e := newEnv(t, func(c *httpapi.Config, d *httpapi.Deps) {
		c.AllowedOrigins = []string{good}
	})
	for _, r := range httpapi.Routes() {
		if !strings.HasPrefix(r.Path, "/api/") {
			continue
		}
		rec := e.do(t, req{method: "OPTIONS", path: "/api/v1/rooms", header: http.Header{"Origin": {good}, "Access-Control-Request-Method": {r.Method}}})
		allowed := strings.Split(rec.Header().Get("Access-Control-Allow-Methods"), ", ")
		if rec.Code != 204 || !slices.Contains(allowed, r.Method) {
			t.Errorf("%s %s: preflight %d allows %v", r.Method, r.Path, rec.Code, allowed)
		}
	}
}

func with(h http.Header, k, v string) http.Header {
	h = h.Clone()
	h.Set(k, v)
	return h
}

// TestWebSocketAuth: the ws route answers 401 before any upgrade and
// accepts ?token= as well as the header and cookie.
func TestWebSocketAuth(t *testing.T) {
	e := newEnv(t, nil)
	_, token := e.signUp(t, "ada")
	for name, r := range map[string]req{
		"query":  {path: "/api/v1/ws?token=" + token},
		"bearer": {token: token},
		"cookie": {cookie: token},
	} {
		t.Run(name, func(t *testing.T) {
			r.method = "GET"
			if r.path == "" {
				r.path = "/api/v1/ws"
			}
			rec := e.do(t, r)
			if rec.Code != 200 || rec.Body.String() != "ws:ada" {
				t.Errorf("ws = %d %s", rec.Code, rec.Body)
			}
		})
	}
	wantError(t, e.do(t, req{method: "GET", path: "/api/v1/ws?token=bad", header: http.Header{"Upgrade": {"websocket"}, "Connection": {"Upgrade"}}}), 401, "unauthorized", "")
	if e.ws.count() != 3 {
		t.Errorf("ws handler calls = %d, want 3", e.ws.count())
	}
	off := newEnv(t, func(_ *httpapi.Config, d *httpapi.Deps) { d.WS = nil })
	_, token = off.signUp(t, "ada")
	wantError(t, off.do(t, req{method: "GET", path: "/api/v1/ws", token: token}), 404, "not_found", "")
}

package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/httpapi"
	"github.com/open-chat/openchat/internal/memory"
	"github.com/open-chat/openchat/internal/password"
	"github.com/open-chat/openchat/internal/sqlite"
)

const (
	testInstance = "test-instance-1"
	testPassword = "correct horse battery"
	testIP       = "192.0.2.1:4321"
	jsonType     = "application/json"
)

var testSecret = []byte("unsubscribe-secret")

// env is a server on a real SQLite store, memory cache and pubsub.
type env struct {
	h       http.Handler
	svc     *chat.Service
	store   chat.Store
	metrics *fakeMetrics
	ws      *fakeWS
}

// newEnv starts a server; tweak may change the config and deps first.
func newEnv(t *testing.T, tweak func(*httpapi.Config, *httpapi.Deps)) *env {
	t.Helper()
	return newEnvWith(t, nil, tweak)
}

// newEnvWith is newEnv whose svcTweak may also change the service's deps
// (e.g. give it rate limits).
func newEnvWith(t *testing.T, svcTweak func(*chat.Deps), tweak func(*httpapi.Config, *httpapi.Deps)) *env {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "chat.db"), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	ps := memory.NewPubSub()
	t.Cleanup(func() { _ = ps.Close() })
	sd := chat.Deps{
		Store:  store,
		Cache:  memory.NewCache(memory.CacheConfig{}),
		PubSub: ps,
		Hasher: password.NewArgon2id(password.Params{Memory: 64, Time: 1, Threads: 1}),
		Log:    log,
	}
	if svcTweak != nil {
		svcTweak(&sd)
	}
	svc := chat.NewService(sd)
	e := &env{svc: svc, store: store, metrics: &fakeMetrics{}, ws: &fakeWS{}}
	cfg := httpapi.Config{InstanceID: testInstance, Secret: testSecret}
	deps := httpapi.Deps{WS: e.ws, Metrics: e.metrics, Log: log}
	if tweak != nil {
		tweak(&cfg, &deps)
	}
	e.h = httpapi.NewServer(cfg, svc, deps)
	return e
}

// req is one request to the server under test.
type req struct {
	method, path, body string
	ctype              string // "" means application/json when body is set
	token              string // Bearer token
	cookie             string // session cookie value
	header             http.Header
	remote             string
}

func (e *env) do(t *testing.T, r req) *httptest.ResponseRecorder {
	t.Helper()
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	hr := httptest.NewRequest(r.method, r.path, body)
	hr.RemoteAddr = testIP
	if r.remote != "" {
		hr.RemoteAddr = r.remote
	}
	switch {
	case r.ctype == "-":
	case r.ctype != "":
		hr.Header.Set("Content-Type", r.ctype)
	case r.body != "":
		hr.Header.Set("Content-Type", jsonType)
	}
	if r.token != "" {
		hr.Header.Set("Authorization", "Bearer "+r.token)
	}
	if r.cookie != "" {
		hr.AddCookie(&http.Cookie{Name: httpapi.SessionCookie, Value: r.cookie})
	}
	for k, vs := range r.header {
		hr.Header[k] = vs
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, hr)
	if got := rec.Header().Get("X-Served-By"); got != testInstance {
		t.Errorf("%s %s: X-Served-By = %q, want %q", r.method, r.path, got, testInstance)
	}
	return rec
}

// must checks the status of a response and decodes its JSON body.
func must[T any](t *testing.T, rec *httptest.ResponseRecorder, status int) T {
	t.Helper()
	var v T
	if rec.Code != status {
		t.Fatalf("status = %d, want %d; body %s", rec.Code, status, rec.Body)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("decode %s: %v", rec.Body, err)
	}
	return v
}

type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

// wantError checks an error response: status, code and (if set) field.
func wantError(t *testing.T, rec *httptest.ResponseRecorder, status int, code, field string) {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, jsonType) {
		t.Errorf("Content-Type = %q, want JSON", ct)
	}
	e := must[apiError](t, rec, status)
	if e.Error.Code != code || e.Error.Field != field || e.Error.Message == "" {
		t.Errorf("error = %+v, want code %q field %q", e.Error, code, field)
	}
}

// signUp creates a user and returns them with a session token.
func (e *env) signUp(t *testing.T, username string) (chat.User, string) {
	t.Helper()
	rec := e.do(t, req{method: "POST", path: "/api/v1/users",
		body: `{"username":"` + username + `","email":"` + username + `@example.org","password":"` + testPassword + `"}`})
	u := must[struct{ User chat.User }](t, rec, http.StatusCreated).User
	return u, e.signIn(t, username)
}

func (e *env) signIn(t *testing.T, username string) string {
	t.Helper()
	rec := e.do(t, req{method: "POST", path: "/api/v1/sessions",
		body: `{"username":"` + username + `","password":"` + testPassword + `"}`})
	return must[struct{ Token string }](t, rec, http.StatusCreated).Token
}

func (e *env) createRoom(t *testing.T, token, name string) chat.Room {
	t.Helper()
	rec := e.do(t, req{method: "POST", path: "/api/v1/rooms", token: token, body: `{"name":"` + name + `"}`})
	return must[struct{ Room chat.Room }](t, rec, http.StatusCreated).Room
}

func (e *env) post(t *testing.T, token, roomID, body string) chat.Message {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"body": body})
	rec := e.do(t, req{method: "POST", path: "/api/v1/rooms/" + roomID + "/messages", token: token, body: string(b)})
	return must[struct{ Message chat.Message }](t, rec, http.StatusCreated).Message
}

// fakeWS stands in for the ws package: it reports the user it was given.
type fakeWS struct {
	mu    sync.Mutex
	calls int
}

func (f *fakeWS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.calls++
	f.mu.Unlock()
	u, ok := chat.UserFromContext(r.Context())
	if !ok {
		http.Error(w, "no user", http.StatusInternalServerError)
		return
	}
	_, _ = io.WriteString(w, "ws:"+u.Username)
}

func (f *fakeWS) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// fakeMetrics records HTTP observations.
type fakeMetrics struct {
	chat.NopMetrics
	mu     sync.Mutex
	routes []string
}

func (m *fakeMetrics) HTTPRequest(route string, status int, _ time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.routes = append(m.routes, route+" "+http.StatusText(status))
}

func (m *fakeMetrics) last() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.routes) == 0 {
		return ""
	}
	return m.routes[len(m.routes)-1]
}

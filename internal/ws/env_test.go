package ws

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/memory"
	"github.com/open-chat/openchat/internal/sqlite"
)

// testHasher keeps sign-ups fast; real hashing is internal/password's.
type testHasher struct{}

func (testHasher) Hash(p string) (string, error)         { return "plain:" + p, nil }
func (testHasher) Verify(h, p string) (bool, error)      { return h == "plain:"+p, nil }
func testLog(t *testing.T) *slog.Logger                  { return slog.New(slog.DiscardHandler) }
func bg() context.Context                                { return context.Background() }
func (m *testMetrics) conns() int64                      { return m.wsConns.Load() }
func (m *testMetrics) WSConnections(d int)               { m.wsConns.Add(int64(d)) }
func (m *testMetrics) MessagesDelivered(n int)           { m.delivered.Add(int64(n)) }
func (e *env) user(name string) chat.User                { return e.users[name] }
func (e *env) wsURL() string                             { return "ws" + strings.TrimPrefix(e.ts.URL, "http") + "/api/v1/ws" }
func (e *env) post(room, user, body string) chat.Message { return e.postAs(e.users[user], room, body) }

// openStore opens a SQLite store of the test's own, closed at its end.
func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(bg(), filepath.Join(t.TempDir(), "chat.db"), testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

type testMetrics struct {
	chat.NopMetrics
	wsConns   atomic.Int64
	delivered atomic.Int64

	mu        sync.Mutex
	latencies []time.Duration
	closes    map[string]int // "code/by"
	limited   map[string]int // "limit/outcome"
	fills     map[string]int // HubFill reasons
	caches    map[string]int // "use case/outcome"
}

// inc counts key in *counts, made on first use. m.mu is held.
func inc(counts *map[string]int, key string) {
	if *counts == nil {
		*counts = map[string]int{}
	}
	(*counts)[key]++
}

func (m *testMetrics) HubFill(reason string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	inc(&m.fills, reason)
}

func (m *testMetrics) Cache(useCase, outcome string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	inc(&m.caches, useCase+"/"+outcome)
}

func (m *testMetrics) fillsOf(reason string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.fills[reason]
}

func (m *testMetrics) cacheOf(useCase, outcome string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.caches[useCase+"/"+outcome]
}

func (m *testMetrics) DeliveryLatency(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.latencies = append(m.latencies, d)
}

func (m *testMetrics) WSClosed(code int, by string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	inc(&m.closes, fmt.Sprintf("%d/%s", code, by))
}

func (m *testMetrics) RateLimited(limit, outcome string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	inc(&m.limited, limit+"/"+outcome)
}

// env is one instance: a real Service on SQLite with the memory adapters,
// the ws Server behind a test auth wrapper, in an httptest.Server.
type env struct {
	t       *testing.T
	svc     *chat.Service
	srv     *Server
	ts      *httptest.Server
	ps      chat.PubSub
	metrics *testMetrics
	users   map[string]chat.User
	tokens  map[string]string
}

type envOpts struct {
	cfg      Config
	svcCfg   chat.ServiceConfig
	store    chat.Store    // shared store (second instance); nil opens a new SQLite file
	ps       chat.PubSub   // nil: memory
	pr       chat.Presence // nil: memory
	cache    chat.Cache    // nil: memory
	listener func(net.Listener) net.Listener
	limiter  chat.RateLimiter // enforces svcCfg.Limits; nil: none
}

func newEnv(t *testing.T, o envOpts) *env {
	t.Helper()
	ctx := bg()
	store := o.store
	if store == nil {
		store = openStore(t)
	}
	ps := o.ps
	if ps == nil {
		mps := memory.NewPubSub()
		t.Cleanup(func() { _ = mps.Close() })
		ps = mps
	}
	if o.cfg.InstanceID == "" {
		o.cfg.InstanceID = "test-" + chat.NewID()[:8]
	}
	var pr chat.Presence = memory.NewPresence(o.cfg.InstanceID, time.Minute, time.Now)
	if o.pr != nil {
		pr = o.pr
	}
	var cache chat.Cache = memory.NewCache(memory.CacheConfig{})
	if o.cache != nil {
		cache = o.cache
	}
	m := &testMetrics{}
	svc := chat.NewService(chat.Deps{Store: store, Cache: cache, PubSub: ps,
		Hasher: testHasher{}, Metrics: m, Config: o.svcCfg, RateLimiter: o.limiter})
	e := &env{t: t, svc: svc, ps: ps, metrics: m, users: map[string]chat.User{}, tokens: map[string]string{}}
	e.srv = NewServer(o.cfg, svc, ps, pr, m, testLog(t))
	if err := svc.WatchSessions(ctx); err != nil {
		t.Fatal(err)
	}
	if err := svc.WatchMembers(ctx); err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	go e.srv.Run(runCtx)
	e.ts = httptest.NewUnstartedServer(e.auth(e.srv))
	if o.listener != nil {
		e.ts.Listener = o.listener(e.ts.Listener)
	}
	e.ts.Start()
	t.Cleanup(func() {
		cancel()
		sctx, c := context.WithTimeout(ctx, 5*time.Second)
		defer c()
		_ = e.srv.Shutdown(sctx)
		e.ts.Close()
	})
	return e
}

// auth stands in for httpapi's middleware: X-Test-User names the user.
func (e *env) auth(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, session, err := e.svc.AuthenticateSession(r.Context(), r.Header.Get("X-Test-Token")); err == nil {
			r = r.WithContext(chat.NewContextWithSession(chat.NewContextWithUser(r.Context(), u), session))
		}
		h.ServeHTTP(w, r)
	})
}

func (e *env) signUp(names ...string) {
	e.t.Helper()
	for _, n := range names {
		_, err := e.svc.SignUp(bg(), chat.SignUpInput{Username: n, Email: n + "@example.org", Password: "purple-otter-canyon"})
		if err != nil && chat.ErrorCode(err) != chat.ECONFLICT {
			e.t.Fatal(err)
		}
		tok, u, err := e.svc.SignIn(bg(), n, "purple-otter-canyon", chat.Client{})
		if err != nil {
			e.t.Fatal(err)
		}
		e.users[n] = u
		e.tokens[n] = tok
	}
}

func (e *env) room(name string) string {
	e.t.Helper()
	r, err := e.svc.CreateRoom(bg(), e.users[firstKey(e.users)], name, "", chat.Public)
	if err != nil {
		e.t.Fatal(err)
	}
	return r.ID
}

func firstKey(m map[string]chat.User) string {
	for k := range m {
		return k
	}
	return ""
}

func (e *env) postAs(u chat.User, room, body string) chat.Message {
	e.t.Helper()
	m, _, err := e.svc.Post(bg(), u, chat.Post{RoomID: room, Body: body})
	if err != nil {
		e.t.Error(err)
	}
	return m
}

// frame is any server frame; Message holds an object or, in errors, a string.
type frame struct {
	Type      string          `json:"type"`
	Instance  string          `json:"instance"`
	User      json.RawMessage `json:"user"`
	RoomID    string          `json:"room_id"`
	LastSeq   int64           `json:"last_seq"`
	Truncated bool            `json:"truncated"`
	Message   json.RawMessage `json:"message"`
	ClientID  string          `json:"client_id"`
	Online    []chat.UserRef  `json:"online"`
	Count     int             `json:"count"`
	Code      string          `json:"code"`
	Ref       string          `json:"ref"`
	Seq       int64           `json:"seq"`
	Room      json.RawMessage `json:"room"`
	RetryMS   int64           `json:"retry_after_ms"`
	// The change stream.
	Change     int64  `json:"change"`
	LastChange int64  `json:"last_change"`
	Emoji      string `json:"emoji"`
	UserID     string `json:"user_id"`
	Added      bool   `json:"added"`
}

func (f frame) msg() chat.Message {
	var m chat.Message
	_ = json.Unmarshal(f.Message, &m)
	return m
}

func (f frame) userRef() chat.UserRef {
	var u chat.UserRef
	_ = json.Unmarshal(f.User, &u)
	return u
}

// client is a test WebSocket client; a reader goroutine queues frames
// unless started with read=false (a client that stops reading).
type client struct {
	t      *testing.T
	c      *websocket.Conn
	frames chan frame
	done   chan struct{}
	err    error // read error, set before done closes
}

type dialOpts struct {
	origin  string
	noRead  bool
	readBuf int // client socket receive buffer, 0 = default
}

func (e *env) dial(user string, o dialOpts) *client {
	e.t.Helper()
	c, resp, err := e.tryDial(user, o)
	if err != nil {
		e.t.Fatalf("dial %s: %v (%v)", user, err, resp)
	}
	return c
}

func (e *env) tryDial(user string, o dialOpts) (*client, *http.Response, error) {
	h := http.Header{}
	if tok, ok := e.tokens[user]; ok {
		h.Set("X-Test-Token", tok)
	}
	if o.origin != "" {
		h.Set("Origin", o.origin)
	}
	dialer := &net.Dialer{}
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		nc, err := dialer.DialContext(ctx, network, addr)
		if err == nil && o.readBuf > 0 {
			_ = nc.(*net.TCPConn).SetReadBuffer(o.readBuf)
		}
		return nc, err
	}}
	ctx, cancel := context.WithTimeout(bg(), 5*time.Second)
	defer cancel()
	wc, resp, err := websocket.Dial(ctx, e.wsURL(), &websocket.DialOptions{HTTPHeader: h, HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		return nil, resp, err
	}
	wc.SetReadLimit(1 << 20)
	cl := &client{t: e.t, c: wc, frames: make(chan frame, 20000), done: make(chan struct{})}
	e.t.Cleanup(func() { _ = wc.CloseNow() })
	if !o.noRead {
		go cl.readLoop()
	}
	return cl, resp, nil
}

func (cl *client) readLoop() {
	defer close(cl.done)
	for {
		_, b, err := cl.c.Read(bg())
		if err != nil {
			cl.err = err
			return
		}
		var f frame
		if err := json.Unmarshal(b, &f); err != nil {
			cl.err = fmt.Errorf("bad server frame %s: %w", b, err)
			return
		}
		cl.frames <- f
	}
}

func (cl *client) send(v any) {
	cl.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		cl.t.Fatal(err)
	}
	cl.sendRaw(websocket.MessageText, b)
}

func (cl *client) sendRaw(typ websocket.MessageType, b []byte) {
	cl.t.Helper()
	ctx, cancel := context.WithTimeout(bg(), 5*time.Second)
	defer cancel()
	if err := cl.c.Write(ctx, typ, b); err != nil {
		cl.t.Fatal(err)
	}
}

type M = map[string]any

// next returns the next frame not of an ignored type.
func (cl *client) next(ignore ...string) frame {
	cl.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case f := <-cl.frames:
			if !contains(ignore, f.Type) {
				return f
			}
		case <-cl.done:
			select {
			case f := <-cl.frames:
				if !contains(ignore, f.Type) {
					return f
				}
				continue
			default:
			}
			cl.t.Fatalf("connection ended: %v", cl.err)
		case <-timeout:
			cl.t.Fatal("timeout waiting for a frame")
		}
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// expect returns the next frame (presence, typing and the membership
// frames that joining rooms causes skipped) and checks its type.
func (cl *client) expect(typ string) frame {
	cl.t.Helper()
	ignore := slices.DeleteFunc([]string{typePresence, typeTyping, typeRoomAdded, typeRoomUpdated, typeRead}, func(s string) bool { return s == typ })
	if typ != typeHello {
		ignore = append(ignore, typeHello)
	}
	f := cl.next(ignore...)
	if f.Type != typ {
		cl.t.Fatalf("got %s frame (%+v, %s), want %s", f.Type, f, f.Message, typ)
	}
	return f
}

func (cl *client) subscribe(room string, after *int64) frame {
	cl.t.Helper()
	m := M{"type": "subscribe", "room_id": room}
	if after != nil {
		m["after_seq"] = *after
	}
	cl.send(m)
	return cl.expect(typeSubscribed)
}

// messages collects n message frames of a room (other frames skipped).
func (cl *client) messages(room string, n int) []chat.Message {
	cl.t.Helper()
	var out []chat.Message
	for len(out) < n {
		f := cl.next(typePresence, typeTyping, typeAck, typeSubscribed, typeHello, typeRoomAdded, typeRead)
		if f.Type != typeMessage {
			cl.t.Fatalf("unexpected %s frame %+v %s", f.Type, f, f.Message)
		}
		if m := f.msg(); m.RoomID == room {
			out = append(out, m)
		}
	}
	return out
}

// quiet asserts that no frame of the given type arrives for d.
func (cl *client) quiet(d time.Duration, typ string) {
	cl.t.Helper()
	deadline := time.After(d)
	for {
		select {
		case f := <-cl.frames:
			if f.Type == typ {
				cl.t.Fatalf("unexpected %s frame: %+v %s", typ, f, f.Message)
			}
		case <-deadline:
			return
		}
	}
}

// checkSeqs asserts msgs are exactly seqs from..to, in order.
func checkSeqs(t *testing.T, who string, msgs []chat.Message, from, to int64) {
	t.Helper()
	if int64(len(msgs)) != to-from+1 {
		t.Fatalf("%s: got %d messages, want %d (seq %d..%d)", who, len(msgs), to-from+1, from, to)
	}
	for i, m := range msgs {
		if m.Seq != from+int64(i) {
			t.Fatalf("%s: message %d has seq %d, want %d", who, i, m.Seq, from+int64(i))
		}
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timeout waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func ptr[T any](v T) *T { return &v }

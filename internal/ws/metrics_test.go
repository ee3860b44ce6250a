package ws

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/gobwas/ws"

	"github.com/open-chat/openchat/internal/chat"
)

// TestDeliveryLatency: every socket write that carries live messages
// observes once, with the age of its oldest message; catch-up replays do
// not count.
func TestDeliveryLatency(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.signUp("alice", "bob")
	room := e.room("general")
	e.post(room, "bob", "history") // replayed on subscribe: not a delivery
	cl := e.dial("alice", dialOpts{})
	cl.expect(typeHello)
	cl.subscribe(room, new(int64(0)))
	cl.messages(room, 1)
	e.metrics.mu.Lock()
	if n := len(e.metrics.latencies); n != 0 {
		t.Errorf("catch-up replay observed %d latencies", n)
	}
	e.metrics.mu.Unlock()

	start := time.Now()
	const posts = 20
	for i := range posts {
		e.post(room, "bob", fmt.Sprint("live ", i))
	}
	cl.messages(room, posts)
	bound := time.Since(start) + 2*time.Millisecond // created_at is truncated to the millisecond
	waitFor(t, "latencies observed", func() bool {
		e.metrics.mu.Lock()
		defer e.metrics.mu.Unlock()
		return len(e.metrics.latencies) > 0
	})
	e.metrics.mu.Lock()
	defer e.metrics.mu.Unlock()
	if n := len(e.metrics.latencies); n > posts {
		t.Errorf("%d observations for %d messages: want at most one per write", n, posts)
	}
	for _, d := range e.metrics.latencies {
		if d < 0 || d > bound {
			t.Errorf("delivery latency %v, want within [0, %v]", d, bound)
		}
	}
}

// TestCloseMetrics: each ended connection is counted once by its close
// code and by who closed first; a refused connection over the per-user cap
// counts as a rate-limit refusal.
func TestCloseMetrics(t *testing.T) {
	e := newEnv(t, envOpts{cfg: Config{MaxPerUser: 1}})
	e.signUp("alice", "bob", "carol")
	connected := func(user string) *client {
		cl := e.dial(user, dialOpts{})
		cl.expect(typeHello)
		return cl
	}
	tests := []struct {
		name, want string
		run        func()
	}{
		{"client closes", "1000/client", func() { _ = connected("alice").c.Close(websocket.StatusNormalClosure, "bye") }},
		{"connection drops", "1006/none", func() { _ = connected("bob").c.CloseNow() }},
		{"server closes on invalid UTF-8", "1007/server", func() { rawText(t, e, "carol", []byte{0xff, 0xfe}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.run()
			waitFor(t, tt.want, func() bool {
				e.metrics.mu.Lock()
				defer e.metrics.mu.Unlock()
				return e.metrics.closes[tt.want] == 1
			})
		})
	}
	e.dial("alice", dialOpts{}).expect(typeHello)
	if _, resp, err := e.tryDial("alice", dialOpts{}); err == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("second connection: %v %v, want 429", err, resp)
	}
	e.metrics.mu.Lock()
	defer e.metrics.mu.Unlock()
	if n := e.metrics.limited[chat.LimitWSPerUser+"/"+chat.RateLimitOutcomeRefused]; n != 1 {
		t.Errorf("ws_per_user refusals = %d, want 1 (%v)", n, e.metrics.limited)
	}
}

// rawText connects as user over a plain socket and sends one masked text
// frame with payload p (a client library would refuse invalid UTF-8),
// then waits for the server's close frame.
func rawText(t *testing.T, e *env, user string, p []byte) {
	t.Helper()
	rc := e.rawHandshake(user, encodeFrame(t, ws.OpText, true, true, p))
	for op, _ := rc.read(); op != ws.OpClose; op, _ = rc.read() {
	}
}

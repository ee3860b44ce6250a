package ws

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"runtime/pprof"
	"testing"
	"time"
)

// readingModes are the two ways a connection waits for its next frame:
// parked in the idle poller (Linux's default) or on a goroutine of its own
// (TLS, other systems).
var readingModes = []struct {
	name string
	cfg  Config
}{
	{"idle poller", Config{}},
	{"goroutine each", Config{NoIdlePoller: true}},
}

// readLoops counts the goroutines blocked in a connection's own reading
// loop.
func readLoops(t *testing.T) int {
	t.Helper()
	var b bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&b, 2); err != nil {
		t.Fatal(err)
	}
	return bytes.Count(b.Bytes(), []byte("ws.(*conn).readLoop("))
}

// TestReadingModes: in both modes, frames are read and answered whatever
// their timing (one at a time, or several in one write), and idle
// connections hold a goroutine each only without the poller.
func TestReadingModes(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the idle poller is Linux's")
	}
	for _, mode := range readingModes {
		t.Run(mode.name, func(t *testing.T) {
			e := newEnv(t, envOpts{cfg: mode.cfg})
			e.signUp("alice", "bob")
			room := e.room("general")
			const idle = 20
			before := readLoops(t)
			a := e.dial("alice", dialOpts{})
			b := e.dial("bob", dialOpts{})
			a.expect(typeHello)
			b.expect(typeHello)
			a.subscribe(room, nil)
			b.subscribe(room, nil)
			for i := range 5 { // one frame at a time, each delivered before the next
				a.send(M{"type": "send", "room_id": room, "body": fmt.Sprintf("one %d", i), "client_id": fmt.Sprintf("one-%d", i)})
				checkSeqs(t, "bob", b.messages(room, 1), int64(i+1), int64(i+1))
			}
			// Several frames in quick succession: some reach the server
			// together and are read from one wake-up.
			for i := range 20 {
				b.send(M{"type": "send", "room_id": room, "body": fmt.Sprintf("burst %d", i), "client_id": fmt.Sprintf("burst-%d", i)})
			}
			checkSeqs(t, "alice", a.messages(room, 25), 1, 25)
			checkSeqs(t, "bob", b.messages(room, 20), 6, 25)

			for range idle {
				e.dial("alice", dialOpts{}).expect(typeHello)
			}
			want := 0
			if mode.cfg.NoIdlePoller {
				want = idle + 2
			}
			waitFor(t, fmt.Sprintf("%d reading goroutines", want), func() bool { return readLoops(t)-before == want })
		})
	}
}

// TestReadingEnds: in both modes a connection's end is seen and its
// session released, whoever ends it: the peer closing, the server closing
// with a peer that never answers (cut off after closeTimeout), and a
// shutdown that gives up waiting (the sockets are killed).
func TestReadingEnds(t *testing.T) {
	for _, mode := range readingModes {
		for _, end := range []string{"peer closes", "peer never answers the close", "shutdown gives up"} {
			t.Run(mode.name+"/"+end, func(t *testing.T) {
				e := newEnv(t, envOpts{cfg: mode.cfg})
				e.signUp("alice")
				clients := make([]*client, 3)
				for i := range clients {
					clients[i] = e.dial("alice", dialOpts{noRead: end != "peer closes"})
				}
				waitFor(t, "3 sessions", func() bool { return e.metrics.conns() == 3 })
				sc := e.serverConn(e.user("alice").ID)
				switch end {
				case "peer closes":
					for _, c := range clients {
						c.expect(typeHello)
						_ = c.c.Close(1000, "bye")
					}
				case "peer never answers the close":
					ctx, cancel := context.WithTimeout(bg(), closeTimeout+5*time.Second)
					defer cancel()
					start := time.Now()
					if err := e.srv.Shutdown(ctx); err != nil {
						t.Fatalf("shutdown: %v", err)
					}
					if d := time.Since(start); d < closeTimeout-time.Second {
						t.Fatalf("sessions ended after %v; the peers never answered, so after closeTimeout (%v)", d, closeTimeout)
					}
				case "shutdown gives up":
					ctx, cancel := context.WithTimeout(bg(), 100*time.Millisecond)
					defer cancel()
					if err := e.srv.Shutdown(ctx); err == nil {
						t.Fatal("shutdown reported every session ended; their peers never answered")
					}
				}
				waitFor(t, "sessions released", func() bool { return e.metrics.conns() == 0 })
				if end == "peer closes" { // our echo of the close set the deadline's timer
					if tm := sc.sk.cutoff.Load(); tm == nil || tm.Stop() {
						t.Fatal("the close deadline's timer was not set, or still ran after the session ended")
					}
				}
			})
		}
	}
}

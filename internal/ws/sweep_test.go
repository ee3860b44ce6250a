package ws

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/memory"
)

// TestSweepIdle: a connection silent past IdleTimeout is closed once a
// ping has been out for pongWait unanswered, or once it has been silent
// for twice IdleTimeout; not while bytes from its peer wait in the socket
// that its reading goroutine (starved, here never started) has not read,
// and not while no ping has left since the peer last spoke: that one is
// sent again.
func TestSweepIdle(t *testing.T) {
	cfg := Config{}.withDefaults()
	idle, wait := cfg.IdleTimeout, cfg.pongWait()
	const never = time.Duration(-1)
	pong := []byte{0x8a, 0x80, 1, 2, 3, 4}
	for _, tc := range []struct {
		name    string
		silent  time.Duration // since the peer last spoke
		pingAgo time.Duration // since a writer took the first ping after that; never: none
		peer    []byte        // what the peer sent, unread
		closed  bool
		pinged  bool
	}{
		{"silent past twice the idle timeout", 2*idle + time.Second, never, nil, true, false},
		{"ping out past pongWait, unanswered", idle + time.Second, wait + time.Second, nil, true, false},
		{"ping out past pongWait, a pong waits unread", idle + time.Second, wait + time.Second, pong, false, false},
		{"ping out, pongWait not over", idle + time.Second, wait - time.Second, nil, false, false},
		{"no ping left (a starved writer)", idle + time.Second, never, nil, false, true},
		{"the last ping went out before the peer spoke", idle + time.Second, idle + 2*time.Second, nil, false, true},
		{"silent past the ping interval", cfg.PingInterval + time.Second, never, nil, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps := memory.NewPubSub()
			defer ps.Close()
			s := NewServer(Config{}, nil, ps, nil, nil, nil)
			defer s.cancel()
			server, peer := tcpPair(t)
			raw, err := server.(*net.TCPConn).SyscallConn()
			if err != nil {
				t.Fatal(err)
			}
			c := &conn{srv: s, sk: &sock{nc: server, raw: raw}, subs: map[string]*sub{}}
			now := time.Now()
			c.lastSeen.Store(now.Add(-tc.silent).UnixNano())
			if tc.pingAgo != never {
				c.pingOut.Store(now.Add(-tc.pingAgo).UnixNano())
			}
			s.mu.Lock()
			s.conns[c] = struct{}{}
			s.mu.Unlock()
			if tc.peer != nil {
				if _, err := peer.Write(tc.peer); err != nil {
					t.Fatal(err)
				}
				for deadline := time.Now().Add(5 * time.Second); !c.sk.unread(); time.Sleep(time.Millisecond) {
					if time.Now().After(deadline) {
						t.Fatal("the peer's bytes never reached the socket")
					}
				}
			}
			s.sweep(now)
			c.mu.Lock()
			closed := c.closed
			c.mu.Unlock()
			if closed != tc.closed {
				t.Fatalf("closed = %v, want %v", closed, tc.closed)
			}
			if tc.pinged {
				_ = peer.SetReadDeadline(time.Now().Add(5 * time.Second))
				b := make([]byte, 2)
				if _, err := io.ReadFull(peer, b); err != nil || b[0] != 0x89 {
					t.Fatalf("the peer read % x (%v), want a ping", b, err)
				}
			}
		})
	}
}

// TestPingTakenCountsTheFirst: the peer's time to answer counts from the
// first ping a writer took since it last spoke; later pings do not move it,
// and a ping taken after the peer spoke starts a new count.
func TestPingTakenCountsTheFirst(t *testing.T) {
	c := &conn{}
	c.lastSeen.Store(100)
	for _, step := range []struct {
		seen, taken, want int64
	}{
		{0, 200, 200},   // the first ping after the peer spoke at 100
		{0, 300, 200},   // a later one does not move it
		{400, 500, 500}, // the peer spoke at 400: the next ping starts anew
	} {
		if step.seen != 0 {
			c.lastSeen.Store(step.seen)
		}
		c.pingTaken(step.taken)
		if got := c.pingOut.Load(); got != step.want {
			t.Fatalf("after a ping taken at %d: pingOut = %d, want %d", step.taken, got, step.want)
		}
	}
}

// tcpPair returns the two ends of a loopback TCP connection.
func tcpPair(t testing.TB) (server, peer net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	peer, err = net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	if server, err = l.Accept(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close(); peer.Close() })
	return server, peer
}

package ws

import (
	"net"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/memory"
)

// TestSweepCountsUnreadBytes: a connection silent past IdleTimeout is
// closed, unless bytes from its peer wait in the socket that its reading
// goroutine (starved, here never started) has not read yet.
func TestSweepCountsUnreadBytes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		peer   []byte // what the peer sent, unread
		closed bool
	}{
		{"nothing arrived", nil, true},
		{"a pong waits unread", []byte{0x8a, 0x80, 1, 2, 3, 4}, false},
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
			s.sweep(time.Now()) // lastSeen is 0: silent for decades
			c.mu.Lock()
			closed := c.closed
			c.mu.Unlock()
			if closed != tc.closed {
				t.Fatalf("closed = %v, want %v", closed, tc.closed)
			}
		})
	}
}

// tcpPair returns the two ends of a loopback TCP connection.
func tcpPair(t *testing.T) (server, peer net.Conn) {
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

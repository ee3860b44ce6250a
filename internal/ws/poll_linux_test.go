package ws

import (
	"net"
	"testing"
	"time"
)

// TestIdlePoller: a parked connection is handed on once when its socket
// becomes readable (bytes, or a kill), again only if parked again (at once
// if the bytes are still unread), and a loop that ends hands on every
// connection still parked.
func TestIdlePoller(t *testing.T) {
	for _, tc := range []struct {
		name  string
		event func(t *testing.T, p *idlePoller, c *conn, peer net.Conn)
	}{
		{"bytes arrive", func(t *testing.T, _ *idlePoller, _ *conn, peer net.Conn) {
			if _, err := peer.Write([]byte{0x81}); err != nil {
				t.Fatal(err)
			}
		}},
		{"the peer closes", func(_ *testing.T, _ *idlePoller, _ *conn, peer net.Conn) { _ = peer.Close() }},
		{"kill", func(_ *testing.T, _ *idlePoller, c *conn, _ net.Conn) { c.sk.kill() }},
		{"the loop fails", func(_ *testing.T, p *idlePoller, _ *conn, _ net.Conn) { _ = p.file.Close() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ready := make(chan *conn, 4)
			p, err := newIdlePoller(func(c *conn) { ready <- c })
			if err != nil {
				t.Fatal(err)
			}
			defer p.close()
			server, peer := tcpPair(t)
			raw, err := server.(*net.TCPConn).SyscallConn()
			if err != nil {
				t.Fatal(err)
			}
			c := &conn{sk: &sock{nc: server, raw: raw}}
			if err := p.park(c); err != nil {
				t.Fatal(err)
			}
			quiet := func() {
				t.Helper()
				select {
				case <-ready:
					t.Fatal("handed on with nothing new")
				case <-time.After(50 * time.Millisecond):
				}
			}
			quiet()
			tc.event(t, p, c, peer)
			select {
			case got := <-ready:
				if got != c {
					t.Fatal("handed on another connection")
				}
			case <-time.After(5 * time.Second):
				t.Fatal("not handed on")
			}
			quiet() // one-shot: nothing more until parked again
			if tc.name == "the loop fails" {
				if err := p.park(c); err == nil {
					t.Fatal("parked in a poller that ended")
				}
				return
			}
			if err := p.park(c); err != nil { // what woke it is still unread
				t.Fatal(err)
			}
			select {
			case <-ready:
			case <-time.After(5 * time.Second):
				t.Fatal("parked again with bytes unread, not handed on")
			}
			p.forget(c)
			if c.polled {
				t.Fatal("still in the set after forget")
			}
		})
	}
}

package ws

import (
	"errors"
	"net"
	"testing"
	"time"
)

// pollerFixture is an idle poller whose ready connections arrive on
// ready, and one connection on a loopback socket (not parked yet).
type pollerFixture struct {
	p     *idlePoller
	c     *conn
	peer  net.Conn
	ready chan *conn
}

func newPollerFixture(t *testing.T) *pollerFixture {
	t.Helper()
	ready := make(chan *conn, 4)
	p, err := newIdlePoller(func(c *conn) { ready <- c })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.close)
	server, peer := tcpPair(t)
	raw, err := server.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	return &pollerFixture{p: p, c: &conn{sk: &sock{nc: server, raw: raw}}, peer: peer, ready: ready}
}

func (f *pollerFixture) quiet(t *testing.T) {
	t.Helper()
	select {
	case <-f.ready:
		t.Fatal("handed on with nothing new")
	case <-time.After(50 * time.Millisecond):
	}
}

func (f *pollerFixture) handedOn(t *testing.T) {
	t.Helper()
	select {
	case got := <-f.ready:
		if got != f.c {
			t.Fatal("handed on another connection")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("not handed on")
	}
}

// park parks f.c as readAndPark does: again while the poller says an
// event came meanwhile.
func (f *pollerFixture) park(t *testing.T) {
	t.Helper()
	for i := 0; ; i++ {
		err := f.p.park(f.c)
		if err == nil {
			return
		}
		if !errors.Is(err, errReadAgain) || i == 10 {
			t.Fatalf("park: %v", err)
		}
	}
}

func (f *pollerFixture) write(t *testing.T) {
	t.Helper()
	if _, err := f.peer.Write([]byte{0x81}); err != nil {
		t.Fatal(err)
	}
}

// TestIdlePoller: a parked connection is handed on once when something
// new comes to its socket (bytes, the peer's close, a kill), not again
// while it is being read, nor when parked again with nothing new (the set
// is edge-triggered: its reader read what woke it), and again for the
// next bytes; a loop that ends hands on every connection still parked.
func TestIdlePoller(t *testing.T) {
	for _, tc := range []struct {
		name  string
		event func(t *testing.T, f *pollerFixture)
		more  bool // the peer can still send after the event
	}{
		{"bytes arrive", func(t *testing.T, f *pollerFixture) { f.write(t) }, true},
		{"the peer closes", func(_ *testing.T, f *pollerFixture) { _ = f.peer.Close() }, false},
		{"kill", func(_ *testing.T, f *pollerFixture) { f.c.sk.kill() }, false},
		{"the loop fails", func(_ *testing.T, f *pollerFixture) { _ = f.p.file.Close() }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newPollerFixture(t)
			f.park(t)
			f.quiet(t)
			tc.event(t, f)
			f.handedOn(t)
			f.quiet(t) // being read: nothing more is handed on
			if tc.name == "the loop fails" {
				if err := f.p.park(f.c); !errors.Is(err, errPollerClosed) {
					t.Fatalf("park in a poller that ended: %v, want errPollerClosed", err)
				}
				return
			}
			f.park(t)
			f.quiet(t) // nothing new since
			if tc.more {
				f.write(t)
				f.handedOn(t)
			}
			f.p.forget(f.c)
			if f.c.polled {
				t.Fatal("still in the set after forget")
			}
		})
	}
}

// TestIdlePollerWhileReading: what comes while a connection is not parked
// is not lost: its next park says to read again, once.
func TestIdlePollerWhileReading(t *testing.T) {
	for _, tc := range []struct {
		name   string
		before func(t *testing.T, f *pollerFixture) // from a connection being read
	}{
		{"bytes while it is read", func(t *testing.T, f *pollerFixture) {
			f.park(t)
			f.write(t)
			f.handedOn(t)
			f.write(t)
		}},
		{"bytes before it joined the set", func(t *testing.T, f *pollerFixture) { f.write(t) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newPollerFixture(t)
			tc.before(t, f)
			// The event is noted whether or not the socket was in the set
			// yet (adding it reports bytes already there).
			if !f.c.polled {
				if err := f.p.add(f.c); err != nil {
					t.Fatal(err)
				}
			}
			waitFor(t, "the event to be noted", func() bool { return f.c.pollState.Load() == pollPending })
			f.quiet(t)
			if err := f.p.park(f.c); !errors.Is(err, errReadAgain) {
				t.Fatalf("park after an event while reading: %v, want errReadAgain", err)
			}
			if err := f.p.park(f.c); err != nil {
				t.Fatalf("park again: %v", err)
			}
			f.quiet(t)
			f.write(t)
			f.handedOn(t)
		})
	}
}

// TestIdlePollerClosedWhileReading: a connection being read when the
// poller closes is not parked in it (it would never be handed on).
func TestIdlePollerClosedWhileReading(t *testing.T) {
	f := newPollerFixture(t)
	f.park(t)
	f.write(t)
	f.handedOn(t)
	f.p.close()
	if err := f.p.park(f.c); !errors.Is(err, errPollerClosed) {
		t.Fatalf("park after close: %v, want errPollerClosed", err)
	}
	if got := f.c.pollState.Load(); got != pollReading {
		t.Fatalf("state after a refused park: %d, want pollReading", got)
	}
}

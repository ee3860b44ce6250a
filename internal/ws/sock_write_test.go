package ws

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gobwas/ws"
)

// deadlineCounter is a TCP connection that counts the write deadlines set
// on it (clearing one is not counted).
type deadlineCounter struct {
	*net.TCPConn
	sets atomic.Int32
}

func (c *deadlineCounter) SetWriteDeadline(t time.Time) error {
	if !t.IsZero() {
		c.sets.Add(1)
	}
	return c.TCPConn.SetWriteDeadline(t)
}

// countedSock is a sock over one end of a loopback TCP connection that
// counts its write deadlines, and the other end.
func countedSock(t *testing.T) (*sock, *deadlineCounter, net.Conn) {
	t.Helper()
	nc, peer := tcpPair(t)
	dc := &deadlineCounter{TCPConn: nc.(*net.TCPConn)}
	raw, err := dc.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	return &sock{nc: dc, raw: raw}, dc, peer
}

// A write the send buffer takes arms no deadline; one that must wait does,
// and gives up at it; the next write clears the expired deadline, which
// would otherwise fail it.
func TestSockWriteDeadline(t *testing.T) {
	s, dc, peer := countedSock(t)
	small := []byte("a frame that fits")
	read := func(n int) {
		t.Helper()
		_ = peer.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.ReadFull(peer, make([]byte, n)); err != nil {
			t.Fatal(err)
		}
	}

	if n, err := s.writeLocked(small, time.Second, true); n != len(small) || err != nil {
		t.Fatalf("small write: %d, %v", n, err)
	}
	if got := dc.sets.Load(); got != 0 {
		t.Errorf("a write that fits armed %d deadlines, want 0", got)
	}
	read(len(small))

	big := make([]byte, 64<<20) // more than loopback buffers take: the peer is not reading
	n, err := s.writeLocked(big, 100*time.Millisecond, true)
	if !errors.Is(err, os.ErrDeadlineExceeded) || n == 0 || n >= len(big) {
		t.Fatalf("blocked write: %d of %d, %v; want part, then the deadline", n, len(big), err)
	}
	if got := dc.sets.Load(); got != 1 {
		t.Errorf("a write that waited armed %d deadlines, want 1", got)
	}
	read(n) // the peer catches up; the deadline has passed

	if m, err := s.writeNowLocked(small); m != len(small) || err != nil {
		t.Fatalf("non-blocking write after an expired deadline: %d, %v", m, err)
	}
	if m, err := s.writeLocked(small, time.Second, true); m != len(small) || err != nil {
		t.Fatalf("write after an expired deadline: %d, %v", m, err)
	}
	if got := dc.sets.Load(); got != 1 {
		t.Errorf("%d deadlines armed in all, want 1", got)
	}
	read(2 * len(small))
}

// BenchmarkSockWrite: one 400-byte frame to a loopback TCP socket whose
// peer keeps reading, as a pool writer writes a subscriber of a big room.
func BenchmarkSockWrite(b *testing.B) {
	nc, peer := tcpPair(b)
	raw, err := nc.(*net.TCPConn).SyscallConn()
	if err != nil {
		b.Fatal(err)
	}
	s := &sock{nc: nc, raw: raw}
	go func() { _, _ = io.Copy(io.Discard, peer) }()
	frame := make([]byte, 400)
	for b.Loop() {
		if _, err := s.writeLocked(frame, writeSlice, true); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCloseFrameAfterRefusedBatch: a writer whose batch is refused because
// the close was decided meanwhile (it took the batch, then writeClose set
// closeSent and waits for the write lock the writer holds) must leave the
// socket to writeClose, so the client still reads the close frame rather
// than a dropped connection. This is the order a pool writer and a reader
// closing on a bad frame can meet in.
func TestCloseFrameAfterRefusedBatch(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.signUp("carol")
	rc := e.rawHandshake("carol", nil)
	if _, p := rc.readType(typeHello); p == nil {
		t.Fatal("no hello")
	}
	c := e.serverConn(e.user("carol").ID)
	c.sk.wmu.Lock() // a writer holds the lock, its batch taken
	c.closeWith(ws.StatusPolicyViolation, "closing")
	waitFor(t, "close decided", c.sk.closeSent.Load)
	_, err := c.sk.writeLocked([]byte("batch"), time.Second, true)
	c.sk.wmu.Unlock()
	if !errors.Is(err, errClosing) {
		t.Fatalf("write after the close was decided: %v, want errClosing", err)
	}
	c.writeFailed(err) // what the writer does next
	if op, p := rc.read(); op != ws.OpClose || len(p) < 2 || ws.StatusCode(binary.BigEndian.Uint16(p)) != ws.StatusPolicyViolation {
		t.Fatalf("read %v %q, want the close frame with %d", op, p, ws.StatusPolicyViolation)
	}
}

//go:build linux

package ws

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// idlePoller lets idle connections wait for their next frame without a
// goroutine. A goroutine blocked reading costs an idle connection its stack
// (about 2.5 KiB of RSS each here), and the GC scans every such stack in every cycle: with 10,000
// connections that was about 40 % of a cycle's marking (docs/performance.md).
// A parked connection is one entry in an epoll set instead: when bytes
// come to its socket (a frame, the peer's close, a reset, or our own
// shutdown by kill), the poller hands it to ready, which reads on a frame
// handler and parks it again.
//
// The set is edge-triggered: a socket is added once, and an event means
// something new arrived. Parking is then an atomic store, not a system
// call (a one-shot entry must be re-armed with epoll_ctl on every park,
// about 6 % of the server's CPU at 12,000 messages a second). The price is
// that the reader must know it left nothing behind before it parks (a
// short read, sock_input.go), and that an event can come while the
// connection is being read: it is noted (pollPending) and the reader looks
// again instead of parking, without waiting (it may find nothing: the
// event was for bytes it had already read).
//
// The socket stays in Go's own poller too, which the blocking reads of a
// frame handler use; epoll allows one socket in several sets. And the
// epoll set itself waits in Go's poller (an epoll descriptor is readable
// while events are ready): a goroutine blocked in epoll_wait would hold a
// thread whose every wake-up must win a processor back, which cost about
// 17 µs per event here.
type idlePoller struct {
	epfd   int
	file   *os.File        // epfd, as the runtime's poller sees it
	rc     syscall.RawConn // file's
	ready  func(*conn)
	closed atomic.Bool

	mu    sync.Mutex
	conns map[int32]*conn // by file descriptor: every connection in the set
}

// A connection's state in the poller (conn.pollState), moved by atomic
// compare-and-swap only: whoever moves it out of pollParked owns the
// connection's reading.
const (
	pollReading int32 = iota // a frame handler reads it (or it is not parked yet)
	pollParked               // waiting in the set for an event
	pollPending              // an event came while it was being read
)

const idleEvents = 256 // events taken per epoll_wait

var errPollerClosed = errors.New("ws: idle poller closed")

func newIdlePoller(ready func(*conn)) (*idlePoller, error) {
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll: %w", err)
	}
	if err := unix.SetNonblock(fd, true); err != nil { // so that os.NewFile hands it to the runtime's poller
		_ = unix.Close(fd)
		return nil, fmt.Errorf("epoll: %w", err)
	}
	f := os.NewFile(uintptr(fd), "ws-idle-epoll")
	rc, err := f.SyscallConn()
	if err == nil {
		err = f.SetReadDeadline(time.Time{}) // fails if the runtime's poller did not take it
	}
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("epoll: %w", err)
	}
	p := &idlePoller{epfd: fd, file: f, rc: rc, ready: ready, conns: map[int32]*conn{}}
	go p.loop()
	return p, nil
}

// park waits for new bytes on c's socket; ready gets c then, once. Its
// reader must have seen the socket empty (a short read or a failed
// non-blocking one) since the event that woke it. errReadAgain: an event
// came meanwhile, so c is not parked and must be read again (without
// waiting). Any other error: the poller cannot take c (closed by
// Shutdown, or out of memory). The caller must not touch c's reading
// state after park returns nil: the event may already be handled on
// another goroutine (the atomic swaps order the caller's reads before the
// next).
func (p *idlePoller) park(c *conn) error {
	if !c.polled {
		if err := p.add(c); err != nil {
			return err
		}
	}
	if !c.pollState.CompareAndSwap(pollReading, pollParked) {
		c.pollState.Store(pollReading) // it was pollPending
		return errReadAgain
	}
	// release may have passed c by before it was parked: take c back
	// unless release (or an event) already has.
	if p.closed.Load() && c.pollState.CompareAndSwap(pollParked, pollReading) {
		return errPollerClosed
	}
	return nil
}

// add puts c's socket in the set. Bytes already there bring an event at
// once, which finds c still reading (pollPending).
func (p *idlePoller) add(c *conn) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed.Load() {
		return errPollerClosed
	}
	var err error
	cerr := c.sk.raw.Control(func(fd uintptr) {
		ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLET, Fd: int32(fd)}
		if err = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, int(fd), &ev); err == nil {
			c.polled, c.fd = true, int32(fd)
			p.conns[c.fd] = c
		}
	})
	return errors.Join(cerr, err)
}

// forget takes c's socket out of the set before it is closed (its number
// may be reused at once). c is not parked: only its reader calls this.
func (p *idlePoller) forget(c *conn) {
	if !c.polled {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns[c.fd] == c {
		delete(p.conns, c.fd)
	}
	if !p.closed.Load() { // once closed, epfd's number may belong to another file
		_ = c.sk.raw.Control(func(fd uintptr) { _ = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, int(fd), nil) })
	}
	c.polled = false
}

// close ends the loop; later parks fail (their connections read on a
// goroutine of their own).
func (p *idlePoller) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.closed.Swap(true) {
		_ = p.file.Close()
	}
}

// wake hands c on if it is parked, or notes the event for its reader.
func (p *idlePoller) wake(c *conn) {
	for {
		switch c.pollState.Load() {
		case pollParked:
			if c.pollState.CompareAndSwap(pollParked, pollReading) {
				p.ready(c)
				return
			}
		case pollReading:
			if c.pollState.CompareAndSwap(pollReading, pollPending) {
				return
			}
		default: // already noted
			return
		}
	}
}

// loop hands every ready connection on. It waits in the runtime's poller
// for the set to have events and takes them without blocking. Fewer than
// asked for means none is left, and any new one wakes the runtime's
// poller again, so it waits at once: asking again to find none would cost
// a system call per wake-up.
func (p *idlePoller) loop() {
	defer p.release()
	events := make([]unix.EpollEvent, idleEvents)
	take := func(fd uintptr) bool {
		for {
			n, err := unix.EpollWait(int(fd), events, 0)
			if errors.Is(err, unix.EINTR) {
				continue
			}
			if err != nil {
				return true // cannot happen: the descriptor is ours
			}
			for _, ev := range events[:n] {
				p.mu.Lock()
				c := p.conns[ev.Fd] // nil if forgotten since; another connection if its number was reused (a spurious event is harmless)
				p.mu.Unlock()
				if c != nil {
					p.wake(c)
				}
			}
			if n < len(events) {
				return false
			}
		}
	}
	_ = p.rc.Read(take) // returns once the file is closed
}

// release ends parking and hands every parked connection on, to be read on
// a goroutine while bytes come: none is parked after a Shutdown, but a loop
// that failed must not strand them.
func (p *idlePoller) release() {
	p.mu.Lock()
	p.closed.Store(true)
	_ = p.file.Close() // again after close: harmless
	conns := p.conns
	p.conns = map[int32]*conn{}
	p.mu.Unlock()
	for _, c := range conns {
		if c.pollState.CompareAndSwap(pollParked, pollReading) {
			p.ready(c)
		}
	}
}

// shutdownSocket shuts fd down both ways: a reader (or the poller) sees
// the end, a blocked writer fails.
func shutdownSocket(fd uintptr) error { return unix.Shutdown(int(fd), unix.SHUT_RDWR) }

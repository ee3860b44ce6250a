//go:build linux

package bench

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"

	"github.com/gobwas/ws"
	"golang.org/x/sys/unix"
)

// A poller reads many subscriber sockets from one goroutine with epoll
// (level-triggered): one read system call per burst of frames, where a
// goroutine per connection costs a wake-up, a read and a read that finds
// nothing per frame. The tool runs beside the server it measures, so every
// cycle it saves goes to the server.
type poller struct {
	epfd  int
	wake  int                      // eventfd: written by close to end the loop
	conns []atomic.Pointer[polled] // by file descriptor
}

// polled is one socket's read state, owned by its poller's goroutine.
type polled struct {
	fd   int
	done atomic.Bool
	ws   *wsConn
	buf  []byte         // bytes read and not yet parsed
	h    func(b []byte) // one text message, valid during the call
	end  func(error)
}

const (
	pollBatch   = 256     // events per epoll_wait
	pollReadBuf = 8 << 10 // initial read buffer per socket
	maxFD       = 1 << 16 // above the 20,000 files of one process here
)

func newPoller() (*poller, error) {
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll: %w", err)
	}
	wake, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		_ = unix.Close(fd)
		return nil, fmt.Errorf("eventfd: %w", err)
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wake)}
	if err := unix.EpollCtl(fd, unix.EPOLL_CTL_ADD, wake, &ev); err != nil {
		_, _ = unix.Close(fd), unix.Close(wake)
		return nil, fmt.Errorf("epoll add: %w", err)
	}
	p := &poller{epfd: fd, wake: wake, conns: make([]atomic.Pointer[polled], maxFD)}
	go p.loop()
	return p, nil
}

// close ends the poller's goroutine; its connections must be finished.
func (p *poller) close() {
	_, _ = unix.Write(p.wake, []byte{1, 0, 0, 0, 0, 0, 0, 0})
}

// watch hands c's reading to the poller: h gets every frame, end is
// called once when the connection ends, on the poller's goroutine once it
// owns c. kill ends it from elsewhere.
func (p *poller) watch(c *wsConn, h func(b []byte), end func(error)) (kill func(), err error) {
	raw, err := c.nc.(*net.TCPConn).SyscallConn()
	if err != nil {
		return nil, err
	}
	pc := &polled{ws: c, h: h, end: end, buf: make([]byte, 0, pollReadBuf)}
	if err := raw.Control(func(fd uintptr) { pc.fd = int(fd) }); err != nil {
		return nil, err
	}
	if pc.fd >= maxFD {
		return nil, fmt.Errorf("file descriptor %d over %d", pc.fd, maxFD)
	}
	if n := c.br.Buffered(); n > 0 { // frames read with the handshake
		b, _ := c.br.Peek(n)
		pc.buf = append(pc.buf, b...)
	}
	// kill shuts the socket down and lets the poller's goroutine finish it
	// (it reads end of file next): end then comes after the last frame
	// handled, never beside it. Through the net.Conn, a kill after the
	// end cannot reach a socket that reused the descriptor.
	tcp := c.nc.(*net.TCPConn)
	kill = func() { _, _ = tcp.CloseRead(), tcp.CloseWrite() }
	if p.parse(pc); pc.done.Load() { // before the poller sees pc: it owns pc after
		return kill, nil
	}
	p.conns[pc.fd].Store(pc)
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP, Fd: int32(pc.fd)}
	if err := unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, pc.fd, &ev); err != nil {
		p.conns[pc.fd].Store(nil)
		return nil, fmt.Errorf("epoll add: %w", err)
	}
	return kill, nil
}

func (p *poller) loop() {
	defer func() { _, _ = unix.Close(p.epfd), unix.Close(p.wake) }()
	events := make([]unix.EpollEvent, pollBatch)
	for {
		n, err := unix.EpollWait(p.epfd, events, -1)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return // cannot happen: both descriptors are ours
		}
		for _, ev := range events[:n] {
			if int(ev.Fd) == p.wake {
				return
			}
			if pc := p.conns[ev.Fd].Load(); pc != nil {
				p.read(pc)
			}
		}
	}
}

// read reads what the socket has and hands on every complete frame.
func (p *poller) read(pc *polled) {
	if len(pc.buf) == cap(pc.buf) {
		pc.buf = append(pc.buf, make([]byte, cap(pc.buf))...)[:len(pc.buf)]
	}
	n, err := unix.Read(pc.fd, pc.buf[len(pc.buf):cap(pc.buf)])
	switch {
	case errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR):
		return
	case err != nil:
		p.finish(pc, err)
		return
	case n == 0:
		p.finish(pc, io.EOF)
		return
	}
	pc.buf = pc.buf[:len(pc.buf)+n]
	p.parse(pc)
}

// parse consumes the complete frames at the front of pc.buf.
func (p *poller) parse(pc *polled) {
	b := pc.buf
	for {
		op, fin, payload, size, err := cutFrame(b)
		if err != nil {
			p.finish(pc, err)
			return
		}
		if size == 0 {
			break // incomplete
		}
		b = b[size:]
		switch {
		case op == ws.OpText && fin:
			pc.h(payload)
		case op == ws.OpPing:
			_ = pc.ws.write(ws.OpPong, payload)
		case op == ws.OpClose:
			code, _ := ws.ParseCloseFrameData(payload)
			_ = pc.ws.write(ws.OpClose, payload)
			p.finish(pc, &closedError{code})
			return
		case op != ws.OpPong:
			p.finish(pc, fmt.Errorf("unexpected frame: opcode %d, fin %v", op, fin))
			return
		}
	}
	pc.buf = pc.buf[:copy(pc.buf, b)]
}

func (p *poller) finish(pc *polled, err error) {
	if !pc.done.CompareAndSwap(false, true) {
		return
	}
	_ = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, pc.fd, nil)
	p.conns[pc.fd].Store(nil)
	_ = pc.ws.nc.Close()
	pc.end(err)
}

// cutFrame parses the server frame at the front of b: size 0 means b does
// not hold all of it yet.
func cutFrame(b []byte) (op ws.OpCode, fin bool, payload []byte, size int, err error) {
	if len(b) < 2 {
		return 0, false, nil, 0, nil
	}
	if b[1]&0x80 != 0 || b[0]&0x70 != 0 {
		return 0, false, nil, 0, errors.New("server frame masked or with reserved bits")
	}
	fin, op = b[0]&0x80 != 0, ws.OpCode(b[0]&0x0f)
	n, h := int(b[1]&0x7f), 2
	switch n {
	case 126:
		if len(b) < 4 {
			return 0, false, nil, 0, nil
		}
		n, h = int(b[2])<<8|int(b[3]), 4
	case 127:
		if len(b) < 10 {
			return 0, false, nil, 0, nil
		}
		var l uint64
		for _, x := range b[2:10] {
			l = l<<8 | uint64(x)
		}
		if l > ReadLimit {
			return 0, false, nil, 0, fmt.Errorf("frame over %d bytes", ReadLimit)
		}
		n, h = int(l), 10
	}
	if len(b) < h+n {
		return 0, false, nil, 0, nil
	}
	return op, fin, b[h : h+n], h + n, nil
}

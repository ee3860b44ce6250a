package ws

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gobwas/ws"

	"github.com/open-chat/openchat/internal/chat"
)

// The WebSocket layer (RFC 6455, server side) works on the hijacked
// net.Conn with gobwas/ws's handshake, header codec and unmasking, so that
// what a connection holds is ours to size: an idle one keeps a 512-byte
// read buffer and, only where the idle poller cannot watch it, a reading
// goroutine (read.go).
const (
	// readBufSize holds a typical client frame whole; bigger ones stream
	// through it into a pooled buffer.
	readBufSize = 512
	// maxPooledWriteBuf: write buffers up to this size are reused; a
	// batch's frames go out in one system call whatever its size.
	maxPooledWriteBuf = 64 << 10
	// closeTimeout bounds the close handshake and a write stuck when a
	// close is decided.
	closeTimeout = 5 * time.Second

	statusTryAgainLater = ws.StatusCode(1013) // not in gobwas/ws's list
	statusSignedOut     = ws.StatusCode(4001) // private use: the session was signed out
)

// closeError ends the reading; the connection is closed with code.
// With drain, the server closes because of the peer's error while the peer
// may still be sending: what follows (skip bytes of the current frame, then
// frames up to the peer's close) is read and discarded, bounded, so that
// the peer reads the close frame rather than a TCP reset.
type closeError struct {
	code   ws.StatusCode
	reason string
	drain  bool
	skip   int64
	peer   bool // the peer's own close, echoed
}

func (e *closeError) Error() string { return fmt.Sprintf("websocket closed: %d %s", e.code, e.reason) }

// sock is a connection's framing state.
type sock struct {
	nc        net.Conn
	raw       syscall.RawConn // the OS socket (nil: TLS, or not Unix): a write may time out and resume, writeNowLocked may write it
	br        *bufio.Reader
	wmu       sync.Mutex // one writer at a time: the batch writer or the close frame
	deadline  bool       // a write deadline is set (guarded by wmu)
	hdr       [ws.MaxHeaderSize - 2]byte
	closeSent atomic.Bool
	cutoff    atomic.Pointer[time.Timer] // kills a peer that does not answer our close; stopped by close
	// One non-blocking write(2) through raw (tryWriteLocked): its callback
	// (writeFD) is made once per socket and takes its bytes from wb and
	// leaves its result in wn and werr, all guarded by wmu; a closure over
	// locals would cost three allocations per write.
	rawWrite func(fd uintptr) bool
	wb       []byte
	wn       int
	werr     error
	// Reading (sock_input.go), by whoever reads the connection: the bytes
	// the handshake's reader held, whether the socket's last read came
	// back short, and the non-blocking attempt's callback (readFD) and
	// its buffer and result, made and kept as the write's are.
	prefix  []byte
	short   bool
	once    bool
	rawRead func(fd uintptr) bool
	rb      []byte
	rn      int
	rerr    error
	// The first close decided, for metrics: its code (0: none, the
	// connection dropped) and whether the peer sent it.
	closeCode   atomic.Int32
	closeByPeer atomic.Bool
}

// noteClose records the first close decided on the connection.
func (s *sock) noteClose(code ws.StatusCode, peer bool) {
	if s.closeCode.CompareAndSwap(0, int32(code)) && peer {
		s.closeByPeer.Store(true)
	}
}

// closedWith returns the code and initiator noteClose recorded: 1006
// (abnormal closure) and chat.CloseByNone when nobody sent a close frame.
func (s *sock) closedWith() (int, string) {
	switch code := int(s.closeCode.Load()); {
	case code == 0:
		return int(ws.StatusAbnormalClosure), chat.CloseByNone
	case s.closeByPeer.Load():
		return code, chat.CloseByClient
	default:
		return code, chat.CloseByServer
	}
}

// upgrade answers the handshake and hijacks the connection. Bad handshakes
// get a JSON error before anything is hijacked.
func upgrade(w http.ResponseWriter, r *http.Request) (*sock, error) {
	if r.Method != http.MethodGet || !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		w.Header().Set("Upgrade", "websocket")
		w.Header().Set("Sec-WebSocket-Version", "13")
		httpError(w, http.StatusUpgradeRequired, chat.EBADREQUEST, "this endpoint speaks WebSocket only: GET with Upgrade: websocket")
		return nil, errors.New("not a websocket handshake")
	}
	// The response headers set so far (X-Served-By, …) go on the 101.
	nc, rw, _, err := ws.HTTPUpgrader{Header: w.Header(), Timeout: closeTimeout}.Upgrade(r, w)
	if err != nil {
		if nc != nil {
			_ = nc.Close()
		}
		return nil, fmt.Errorf("websocket handshake: %w", err)
	}
	// An OS socket on Unix (a TCP connection, or one wrapped to be
	// counted, as edge's connection limiter does) can resume a write that
	// timed out; a TLS connection cannot, nor one elsewhere (rawConn).
	s := &sock{nc: nc}
	if s.raw, err = rawConn(nc); err != nil {
		_ = nc.Close()
		return nil, fmt.Errorf("websocket handshake: %w", err)
	}
	if n := rw.Reader.Buffered(); n > 0 { // the client did not wait for the 101: keep its bytes
		b, _ := rw.Reader.Peek(n)
		s.prefix = bytes.Clone(b)
	}
	s.br = bufio.NewReaderSize(input{s}, readBufSize)
	return s, nil
}

// readMessage reads the next data message into buf, reassembling fragments
// and answering control frames: ping (pong is queued by onPing), pong
// (onPong) and close (a closeError with the peer's code, to echo). It ends
// with a closeError, as RFC 6455 says: 1009 over limit bytes, 1007 for text
// that is not UTF-8 (checked fragment by fragment, so a bad fragment is
// refused before the rest arrives), 1002 for a broken frame or close frame.
func (s *sock) readMessage(buf *bytes.Buffer, limit int64, onPing func([]byte), onPong func()) (ws.OpCode, error) {
	var op ws.OpCode
	var text utf8Stream
	state := ws.StateServerSide
	for {
		h, err := ws.ReadHeaderBuffer(s.br, s.hdr[:])
		if err != nil {
			return 0, err
		}
		if err := ws.CheckHeader(h, state); err != nil {
			return 0, &closeError{code: ws.StatusProtocolError, reason: err.Error(), drain: true, skip: h.Length}
		}
		if h.OpCode.IsControl() {
			p := make([]byte, h.Length) // at most 125 bytes (CheckHeader)
			if _, err := io.ReadFull(s.br, p); err != nil {
				return 0, err
			}
			ws.Cipher(p, h.Mask, 0)
			switch h.OpCode {
			case ws.OpPing:
				onPing(p)
			case ws.OpPong:
				onPong()
			case ws.OpClose:
				code, reason, err := parseClose(p)
				if err != nil {
					return 0, err
				}
				return 0, &closeError{code: code, reason: reason, peer: true} // the caller echoes it
			}
			continue
		}
		if int64(buf.Len())+h.Length > limit {
			return 0, &closeError{code: ws.StatusMessageTooBig, reason: "message too big", drain: true, skip: h.Length}
		}
		n := int(h.Length)
		buf.Grow(n)
		p := buf.AvailableBuffer()[:n]
		if _, err := io.ReadFull(s.br, p); err != nil {
			return 0, err
		}
		ws.Cipher(p, h.Mask, 0)
		buf.Write(p) // p is buf's own free space: this only extends buf
		if h.OpCode != ws.OpContinuation {
			op = h.OpCode
		}
		if op == ws.OpText && (!text.write(p) || h.Fin && !text.complete()) {
			return 0, &closeError{code: statusInvalidData, reason: "text is not valid UTF-8", drain: true}
		}
		if h.Fin {
			return op, nil
		}
		state = state.Set(ws.StateFragmented)
	}
}

// drain reads and throws away what the peer sends after an error close:
// skip bytes of the frame it was in, then frames up to its close frame,
// at most drainMax bytes in all and until the close deadline writeClose set.
func (s *sock) drain(skip int64) {
	budget := int64(drainMax)
	discard := func(n int64) bool {
		if n > budget {
			return false
		}
		budget -= n
		_, err := io.CopyN(io.Discard, s.br, n)
		return err == nil
	}
	if !discard(skip) {
		return
	}
	for {
		h, err := ws.ReadHeaderBuffer(s.br, s.hdr[:])
		if err != nil || !discard(h.Length) || h.OpCode == ws.OpClose {
			return
		}
	}
}

// appendFrame appends one unmasked, final frame to b.
func appendFrame(b []byte, op ws.OpCode, p []byte) []byte {
	n := len(p)
	switch {
	case n < 126:
		b = append(b, 0x80|byte(op), byte(n))
	case n <= 0xffff:
		b = append(b, 0x80|byte(op), 126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, 0x80|byte(op), 127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	return append(b, p...)
}

var errClosing = errors.New("websocket: closing")

// writeLocked writes b, giving up after d; it returns how much was
// written. s.wmu is held. A fresh batch is refused once the close frame is
// decided; the rest of a frame already begun is not, or the stream would
// be garbled. An OS socket is first offered b without a deadline: most
// writes fit its send buffer, and arming a deadline (a runtime timer) for
// each cost about 6 % of the server's CPU in a room of 10,000
// (docs/performance.md).
func (s *sock) writeLocked(b []byte, d time.Duration, fresh bool) (int, error) {
	if fresh && s.closeSent.Load() {
		return 0, errClosing
	}
	var n int
	if s.raw != nil {
		var err error
		if n, err = s.tryWriteLocked(b); !errors.Is(err, os.ErrDeadlineExceeded) {
			return n, err
		}
	}
	s.deadline = true
	_ = s.nc.SetWriteDeadline(time.Now().Add(d))
	m, err := s.nc.Write(b[n:])
	return n + m, err
}

// writeNowLocked makes one non-blocking write of b: what the socket's send
// buffer cannot take at once is left, with os.ErrDeadlineExceeded as from a
// write that timed out. Only for OS sockets (s.raw set).
func (s *sock) writeNowLocked(b []byte) (int, error) {
	if s.closeSent.Load() {
		return 0, errClosing
	}
	return s.tryWriteLocked(b)
}

// tryWriteLocked is writeNowLocked whether or not the close is decided.
func (s *sock) tryWriteLocked(b []byte) (int, error) {
	if s.deadline { // an expired deadline would fail the raw write
		_ = s.nc.SetWriteDeadline(time.Time{})
		s.deadline = false
	}
	if s.rawWrite == nil {
		s.rawWrite = s.writeFD
	}
	s.wb = b
	err := s.raw.Write(s.rawWrite)
	n, werr := s.wn, s.werr
	s.wb, s.wn, s.werr = nil, 0, nil // keep no frame alive
	switch {
	case err != nil:
		return 0, err
	case werr == syscall.EAGAIN || werr == syscall.EINTR:
		return 0, os.ErrDeadlineExceeded
	case werr != nil:
		return 0, werr
	case n < len(b):
		return n, os.ErrDeadlineExceeded
	}
	return n, nil
}

// writeClose sends the close frame once, after any write in flight: a
// frame cut short would garble the stream. If that write is still stuck
// after closeTimeout (a peer that stopped reading), the socket is shut
// down without a close frame, which also ends the stuck write.
func (s *sock) writeClose(code ws.StatusCode, reason string) {
	if !s.closeSent.CompareAndSwap(false, true) {
		return
	}
	deadline := time.Now().Add(closeTimeout)
	for !s.wmu.TryLock() { // polling: only a closing connection waits here
		if time.Now().After(deadline) {
			s.kill()
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	s.deadline = true
	_ = s.nc.SetWriteDeadline(deadline)
	_, _ = s.nc.Write(appendFrame(nil, ws.OpClose, closeBody(code, reason)))
	s.wmu.Unlock()
	// The peer's close reply ends the reading; a peer that never answers
	// is cut off at the deadline (a timer, not a read deadline: a parked
	// connection has no read to time out).
	s.cutoff.Store(time.AfterFunc(time.Until(deadline), s.kill))
}

// close closes the socket once its reading has ended, and stops the close
// deadline's timer, which would otherwise keep the socket and its buffer
// for closeTimeout after every close (in a reconnect storm, every
// connection's).
func (s *sock) close() {
	if t := s.cutoff.Load(); t != nil {
		t.Stop()
	}
	_ = s.nc.Close()
}

// kill ends the connection from outside its reading. An OS socket is shut
// down both ways: its reader, or the idle poller for a parked connection,
// sees the end and finishes the connection, which closes it. (Closing it
// here would take a parked connection out of the poller's set unseen, and
// nobody would finish it; a shutdown that fails finds a socket already
// ended, which its reader sees too.) A TLS connection, or any on a system
// without the poller, is closed.
func (s *sock) kill() {
	if s.raw != nil {
		var err error
		if cerr := s.raw.Control(func(fd uintptr) { err = shutdownSocket(fd) }); cerr != nil || !errors.Is(err, errors.ErrUnsupported) {
			return
		}
	}
	_ = s.nc.Close()
}

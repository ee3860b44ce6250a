package ws

import (
	"errors"
	"io"
	"syscall"
)

// errWouldBlock: a non-blocking read found no byte.
var errWouldBlock = errors.New("ws: no byte ready")

// input is what a sock's bufio.Reader reads from (sock.readInput); a
// struct of one pointer, so the reader holds it without an allocation.
type input struct{ s *sock }

func (in input) Read(p []byte) (int, error) { return in.s.readInput(p) }

// readInput returns the bytes the handshake's reader held first, then the
// socket's. It notes whether the socket's last read came back short: the
// kernel had no more bytes then, so any later one brings the
// (edge-triggered) idle poller an event, and the reader may park without
// asking again. With once set, it makes a single non-blocking attempt
// (errWouldBlock when there is nothing): a frame handler must not wait on
// a connection that has nothing to say.
func (s *sock) readInput(p []byte) (int, error) {
	if len(s.prefix) > 0 {
		n := copy(p, s.prefix)
		if s.prefix = s.prefix[n:]; len(s.prefix) == 0 {
			s.prefix = nil // the handshake's buffer is not kept for the connection's life
		}
		s.short = false
		return n, nil
	}
	var n int
	var err error
	if s.once && s.raw != nil {
		if s.rawRead == nil {
			s.rawRead = s.readFD
		}
		s.rb = p
		cerr := s.raw.Read(s.rawRead)
		n, err, s.rb = s.rn, s.rerr, nil
		switch {
		case cerr != nil:
			n, err = 0, cerr
		case errors.Is(err, syscall.EAGAIN):
			s.short = true
			return 0, errWouldBlock
		case err != nil:
			n = 0
		case n == 0 && len(p) > 0:
			err = io.EOF
		}
	} else {
		n, err = s.nc.Read(p)
	}
	s.short = err == nil && n < len(p)
	return n, err
}

// hasInput reports whether the next read finds something without waiting:
// a buffered byte, a byte or an error on the socket. After a short read
// it does not ask the socket: the poller reports what came since.
func (s *sock) hasInput() bool {
	if s.br.Buffered() > 0 {
		return true
	}
	if s.short {
		return false
	}
	s.once = true
	_, err := s.br.Peek(1)
	s.once = false
	return !errors.Is(err, errWouldBlock)
}

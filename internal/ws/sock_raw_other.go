//go:build !unix

package ws

import (
	"errors"
	"net"
	"syscall"
)

// rawConn: elsewhere (Windows' overlapped sockets) a write on the
// descriptor is not the non-blocking attempt writeFD needs, so every
// connection writes as TLS ones do, through the net.Conn with a deadline.
func rawConn(net.Conn) (syscall.RawConn, error) { return nil, nil }

// writeFD is not reached (rawConn gives no raw socket here); if it were,
// the write fails instead of writing wrongly.
func (s *sock) writeFD(uintptr) bool {
	s.wn, s.werr = 0, errors.ErrUnsupported
	return true
}

// readFD is not reached either.
func (s *sock) readFD(uintptr) bool {
	s.rn, s.rerr = 0, errors.ErrUnsupported
	return true
}

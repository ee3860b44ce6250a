//go:build unix

package ws

import (
	"net"
	"syscall"
)

// rawConn is the OS socket under nc, or nil when there is none (TLS): an
// OS socket can be offered a write without a deadline, and a write that
// timed out can resume.
func rawConn(nc net.Conn) (syscall.RawConn, error) {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return nil, nil
	}
	return sc.SyscallConn()
}

// writeFD is the callback of tryWriteLocked's raw write: one attempt,
// never a wait for the poller.
func (s *sock) writeFD(fd uintptr) bool {
	s.wn, s.werr = syscall.Write(int(fd), s.wb)
	return true
}

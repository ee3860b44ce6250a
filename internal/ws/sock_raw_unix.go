//go:build unix

package ws

import (
	"errors"
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

// readFD is the callback of readInput's raw read: one attempt, never a
// wait for the poller.
func (s *sock) readFD(fd uintptr) bool {
	for {
		s.rn, s.rerr = syscall.Read(int(fd), s.rb)
		if !errors.Is(s.rerr, syscall.EINTR) {
			return true
		}
	}
}

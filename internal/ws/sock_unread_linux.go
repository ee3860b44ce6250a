//go:build linux

package ws

import "golang.org/x/sys/unix"

// unread reports whether the socket holds bytes this server has not read
// yet. Under CPU starvation a connection's reader may wait its
// turn for longer than the idle timeout while the peer's pong sits in the
// kernel: that peer is not silent, and closing it would only bring it back
// as a reconnect, which costs the starved server far more than the read.
func (s *sock) unread() bool {
	if s.raw == nil { // TLS: the record layer may hold bytes too; not checked
		return false
	}
	n, err := 0, error(nil)
	if cerr := s.raw.Control(func(fd uintptr) { n, err = unix.IoctlGetInt(int(fd), unix.SIOCINQ) }); cerr != nil || err != nil {
		return false
	}
	return n > 0
}

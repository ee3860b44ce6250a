//go:build linux

package bench

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// noPortBind makes a socket bound to a source address pick its port at
// connect time, from the whole 4-tuple space, instead of at bind time:
// bind(addr, port 0) scans for a port free towards every destination, which
// costs the kernel more the more ports are in use (with ~20,000 per source
// address it ate most of the machine's CPU in the 100,000-connection run).
func noPortBind(_, _ string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_BIND_ADDRESS_NO_PORT, 1)
	})
	if err != nil {
		return err
	}
	return serr
}

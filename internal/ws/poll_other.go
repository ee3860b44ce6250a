//go:build !linux

package ws

import "errors"

// idlePoller is Linux's (poll_linux.go); elsewhere every connection reads
// on a goroutine of its own.
type idlePoller struct{}

func newIdlePoller(func(*conn)) (*idlePoller, error) {
	return nil, errors.New("ws: no idle poller on this system")
}

func (*idlePoller) park(*conn) error { return errors.New("ws: no idle poller") }
func (*idlePoller) forget(*conn)     {}
func (*idlePoller) close()           {}

// shutdownSocket is not offered here: kill closes the socket instead.
func shutdownSocket(uintptr) error { return errors.ErrUnsupported }

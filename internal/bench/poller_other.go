//go:build !linux

package bench

// Elsewhere each connection is read by a goroutine of its own.
type poller struct{}

func newPoller() (*poller, error) { return &poller{}, nil }

func (p *poller) watch(c *wsConn, h func(b []byte), end func(error)) (kill func(), err error) {
	go func() { end(c.readLoop(func(_ string, b []byte) { h(b) })) }()
	return func() { _ = c.nc.Close() }, nil
}

func (p *poller) close() {}

package edge

import (
	"bufio"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"syscall"

	"github.com/open-chat/openchat/internal/chat"
)

// ConnLimiter bounds the connections one client address may hold and those
// the whole process may hold, so that no single address can use up the
// file descriptors and starve everyone else.
//
// A direct client is counted when its TCP connection is accepted, so idle
// keep-alive sockets count too; over a limit the connection is closed at
// once, since nothing can be said before a request (or, with TLS, a
// handshake) has been read. A connection from a trusted proxy counts only
// towards the process-wide cap; the requests and WebSockets it carries are
// counted by the forwarded client address instead (Middleware), and over
// the limit they are answered 429 with a JSON error.
type ConnLimiter struct {
	perIP, total int
	trusted      []netip.Prefix
	instanceID   string
	metrics      chat.Metrics // counts refusals; set before use

	mu   sync.Mutex
	all  int
	byIP map[netip.Addr]int
}

// NewConnLimiter returns a limiter of perIP connections per client address
// and total in all. An address may never hold more than three quarters of
// total, so that one address alone cannot starve the others whatever the
// flags say. Rejected requests carry X-Served-By: instanceID.
func NewConnLimiter(perIP, total int, trusted []netip.Prefix, instanceID string) *ConnLimiter {
	total = max(total, 4)
	return &ConnLimiter{perIP: min(max(perIP, 1), total-total/4), total: total, trusted: trusted,
		instanceID: instanceID, metrics: chat.NopMetrics{}, byIP: map[netip.Addr]int{}}
}

// CountRefusals has every refusal counted in m (chat.LimitConnsTotal,
// chat.LimitConnsPerIP). Call it before the limiter is used.
func (l *ConnLimiter) CountRefusals(m chat.Metrics) { l.metrics = m }

// PerIP and Total are the limits in effect.
func (l *ConnLimiter) PerIP() int { return l.perIP }
func (l *ConnLimiter) Total() int { return l.total }

// acquire takes a slot for a connection (conn) or a forwarded request of
// addr; it reports false over a limit. addr is not counted per address if
// it is invalid or a trusted proxy.
func (l *ConnLimiter) acquire(addr netip.Addr, conn bool) (release func(), ok bool) {
	counted := addr.IsValid() && !contains(l.trusted, addr)
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case conn && l.all >= l.total:
		l.metrics.RateLimited(chat.LimitConnsTotal, chat.RateLimitOutcomeRefused)
		return nil, false
	case counted && l.byIP[addr] >= l.perIP:
		l.metrics.RateLimited(chat.LimitConnsPerIP, chat.RateLimitOutcomeRefused)
		return nil, false
	}
	if conn {
		l.all++
	}
	if counted {
		l.byIP[addr]++
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			if conn {
				l.all--
			}
			if counted {
				if l.byIP[addr]--; l.byIP[addr] <= 0 {
					delete(l.byIP, addr)
				}
			}
		})
	}, true
}

// Listener counts the connections ln accepts and closes those over a limit.
func (l *ConnLimiter) Listener(ln net.Listener) net.Listener {
	return &limitListener{Listener: ln, l: l}
}

type limitListener struct {
	net.Listener
	l *ConnLimiter
}

func (ll *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := ll.Listener.Accept()
		if err != nil {
			return nil, err
		}
		var addr netip.Addr
		if ap, err := netip.ParseAddrPort(c.RemoteAddr().String()); err == nil {
			addr = ap.Addr().Unmap()
		}
		release, ok := ll.l.acquire(addr, true)
		if !ok {
			_ = c.Close()
			continue
		}
		return &trackedConn{Conn: c, release: []func(){release}}, nil
	}
}

// trackedConn gives its slots back when closed, including after a
// WebSocket hijacked it.
type trackedConn struct {
	net.Conn
	mu      sync.Mutex
	closed  bool
	release []func()
}

func (c *trackedConn) Close() error {
	err := c.Conn.Close()
	c.mu.Lock()
	rel := c.release
	c.closed, c.release = true, nil
	c.mu.Unlock()
	for _, f := range rel {
		f()
	}
	return err
}

// onClose runs f when the connection closes (now if it has).
func (c *trackedConn) onClose(f func()) {
	c.mu.Lock()
	if !c.closed {
		c.release = append(c.release, f)
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	f()
}

var _ syscall.Conn = (*trackedConn)(nil) // ws relies on it, see below

// SyscallConn and CloseWrite keep what the socket underneath offers: the
// WebSocket writer treats a syscall.Conn as a plain socket whose writes
// may time out and resume, and net/http half-closes before an error close.
func (c *trackedConn) SyscallConn() (syscall.RawConn, error) {
	if sc, ok := c.Conn.(syscall.Conn); ok {
		return sc.SyscallConn()
	}
	return nil, errors.ErrUnsupported
}

func (c *trackedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return errors.ErrUnsupported
}

// Middleware counts the requests and WebSockets that trusted proxies carry
// by the forwarded client address, while they last (a WebSocket until it
// closes). Over the limit: 429 with a JSON error. Requests from anyone
// else were counted when their connection was accepted. Wrap it around
// Middleware (it reads the proxy's own address).
func (l *ConnLimiter) Middleware(next http.Handler) http.Handler {
	if len(l.trusted) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		peer, ok := remoteAddr(r)
		if !ok || !contains(l.trusted, peer) {
			next.ServeHTTP(w, r)
			return
		}
		client, ok := clientFromXFF(r.Header.Values("X-Forwarded-For"), l.trusted)
		if !ok { // the proxy's own request (a health check): its connection was counted
			next.ServeHTTP(w, r)
			return
		}
		release, ok := l.acquire(client, false)
		if !ok {
			w.Header().Set("X-Served-By", l.instanceID)
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"error":{"code":"` + chat.ERATELIMITED + `","message":"too many connections from your address"}}` + "\n"))
			return
		}
		hw := &hijackWriter{ResponseWriter: w, release: release}
		defer func() {
			if !hw.hijacked {
				release()
			}
		}()
		next.ServeHTTP(hw, r)
	})
}

// hijackWriter hands the request's slot to the hijacked connection.
type hijackWriter struct {
	http.ResponseWriter
	release  func()
	hijacked bool
}

func (w *hijackWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *hijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return c, brw, err
	}
	w.hijacked = true
	nc := c
	if t, ok := c.(*tls.Conn); ok {
		nc = t.NetConn()
	}
	if tc, ok := nc.(*trackedConn); ok {
		tc.onClose(w.release)
	} else {
		w.release() // not our listener's: nothing tells when it closes
	}
	return c, brw, nil
}

package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gobwas/ws"
)

// Connection limits and timeouts of the tool.
const (
	// DialTimeout bounds the upgrade plus the hello and subscribed frames.
	DialTimeout = 30 * time.Second
	// WriteTimeout bounds one frame write (send, ping).
	WriteTimeout = 10 * time.Second
	// ReadLimit is the largest frame accepted; presence lists of big rooms
	// can be large.
	ReadLimit = 16 << 20
	// readBufSize is the socket read buffer of a connection: the tool reads
	// frames straight from it, so it sizes the reads of a busy subscriber.
	readBufSize = 4 << 10
	// closeWait bounds the close handshake at the end of a run.
	closeWait = 5 * time.Second
)

// wsConn is the tool's WebSocket client on gobwas/ws's framing: it reads
// frames in place from its buffer, without a per-frame reader or
// allocation, so the tool spends its CPU share on the measurement.
type wsConn struct {
	nc  net.Conn
	br  *bufio.Reader
	hdr [ws.MaxHeaderSize - 2]byte
	msg []byte // the current message, reused by the reading goroutine

	wmu  sync.Mutex
	wbuf bytes.Buffer
}

// closedError is a close frame from the server.
type closedError struct{ code ws.StatusCode }

func (e *closedError) Error() string { return fmt.Sprintf("closed by the server with %d", e.code) }

// dialers hands out one net.Dialer per source address, so dialing can be
// spread over 127.0.0.0/8 and pass the ~28k ephemeral ports of one address.
type dialers struct {
	mu      sync.Mutex
	dialers map[string]*net.Dialer
	clients map[string]*http.Client
}

func newDialers() *dialers {
	return &dialers{dialers: map[string]*net.Dialer{}, clients: map[string]*http.Client{}}
}

// dialer returns the dialer bound to srcIP ("" = any).
func (d *dialers) dialer(srcIP string) *net.Dialer {
	d.mu.Lock()
	defer d.mu.Unlock()
	if nd, ok := d.dialers[srcIP]; ok {
		return nd
	}
	nd := &net.Dialer{Timeout: DialTimeout, KeepAlive: -1}
	if srcIP != "" {
		nd.LocalAddr = &net.TCPAddr{IP: net.ParseIP(srcIP)}
		nd.Control = noPortBind
	}
	d.dialers[srcIP] = nd
	return nd
}

// client returns an HTTP client that dials from srcIP, for the API calls.
func (d *dialers) client(srcIP string) *http.Client {
	nd := d.dialer(srcIP)
	d.mu.Lock()
	defer d.mu.Unlock()
	if c, ok := d.clients[srcIP]; ok {
		return c
	}
	c := &http.Client{Transport: &http.Transport{DialContext: nd.DialContext, MaxIdleConnsPerHost: 16,
		IdleConnTimeout: 30 * time.Second}}
	d.clients[srcIP] = c
	return c
}

// wsURL turns an http(s) base URL into the WebSocket endpoint.
func wsURL(base string) string {
	base = strings.TrimRight(base, "/")
	switch {
	case strings.HasPrefix(base, "https://"):
		base = "wss://" + strings.TrimPrefix(base, "https://")
	case strings.HasPrefix(base, "http://"):
		base = "ws://" + strings.TrimPrefix(base, "http://")
	}
	return base + "/api/v1/ws"
}

// dialWS opens an authenticated WebSocket and waits for hello.
func dialWS(ctx context.Context, nd *net.Dialer, base, token string) (*wsConn, error) {
	ctx, cancel := context.WithTimeout(ctx, DialTimeout)
	defer cancel()
	c, err := dialURL(ctx, nd, wsURL(base), http.Header{"Authorization": {"Bearer " + token}})
	if err != nil {
		return nil, err
	}
	nc := c.nc
	stop := context.AfterFunc(ctx, func() { _ = nc.SetReadDeadline(time.Now()) })
	defer stop()
	if _, err := c.waitFor(frameHello); err != nil {
		_ = nc.Close()
		return nil, err
	}
	return c, nil
}

// dialURL upgrades a connection to the WebSocket endpoint u.
func dialURL(ctx context.Context, nd *net.Dialer, u string, h http.Header) (*wsConn, error) {
	d := ws.Dialer{NetDial: nd.DialContext, ReadBufferSize: readBufSize, Timeout: DialTimeout}
	if h != nil {
		d.Header = ws.HandshakeHeaderHTTP(h)
	}
	nc, br, _, err := d.Dial(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	if br == nil {
		br = bufio.NewReaderSize(nc, readBufSize)
	}
	return &wsConn{nc: nc, br: br}, nil
}

// next returns the next data message, valid until the following call.
// Pings are answered; a close frame is answered and ends with closedError.
func (c *wsConn) next() ([]byte, error) {
	c.msg = c.msg[:0]
	for {
		h, err := ws.ReadHeaderBuffer(c.br, c.hdr[:])
		if err != nil {
			return nil, err
		}
		if h.Masked || h.Rsv != 0 {
			return nil, errors.New("server frame masked or with reserved bits")
		}
		if h.OpCode.IsControl() {
			p := make([]byte, h.Length)
			if _, err := io.ReadFull(c.br, p); err != nil {
				return nil, err
			}
			switch h.OpCode {
			case ws.OpPing:
				_ = c.write(ws.OpPong, p)
			case ws.OpClose:
				code, _ := ws.ParseCloseFrameData(p)
				_ = c.write(ws.OpClose, p)
				return nil, &closedError{code}
			}
			continue
		}
		n := len(c.msg)
		if int64(n)+h.Length > ReadLimit {
			return nil, fmt.Errorf("message over %d bytes", ReadLimit)
		}
		c.msg = append(c.msg, make([]byte, h.Length)...)
		if _, err := io.ReadFull(c.br, c.msg[n:]); err != nil {
			return nil, err
		}
		if h.Fin {
			return c.msg, nil
		}
	}
}

// write sends one masked frame (clients must mask) within WriteTimeout,
// header and payload in one system call.
func (c *wsConn) write(op ws.OpCode, p []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	h := ws.Header{Fin: true, OpCode: op, Masked: true, Mask: ws.NewMask(), Length: int64(len(p))}
	c.wbuf.Reset()
	if err := ws.WriteHeader(&c.wbuf, h); err != nil {
		return err
	}
	n := c.wbuf.Len()
	c.wbuf.Write(p)
	ws.Cipher(c.wbuf.Bytes()[n:], h.Mask, 0)
	_ = c.nc.SetWriteDeadline(time.Now().Add(WriteTimeout))
	_, err := c.nc.Write(c.wbuf.Bytes())
	return err
}

// writeFrame writes one JSON text frame.
func (c *wsConn) writeFrame(b []byte) error { return c.write(ws.OpText, b) }

// close starts the close handshake; the reading loop ends when the server
// answers, or at closeWait.
func (c *wsConn) close() {
	_ = c.write(ws.OpClose, ws.NewCloseFrameBody(ws.StatusNormalClosure, ""))
	_ = c.nc.SetReadDeadline(time.Now().Add(closeWait))
}

// resume is where a subscription picks up after a reconnect: Key is
// "after_seq" or "after_change" (docs/protocol.md), After the number.
type resume struct {
	Key   string
	After int64
}

// subscribe subscribes c to room, from where r says (nil: live only), and
// returns the subscribed frame.
func subscribe(ctx context.Context, c *wsConn, roomID string, r *resume) (subscribedFrame, error) {
	ctx, cancel := context.WithTimeout(ctx, DialTimeout)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { _ = c.nc.SetReadDeadline(time.Now()) })
	defer stop()
	req := map[string]any{"type": "subscribe", "room_id": roomID}
	if r != nil {
		req[r.Key] = r.After
	}
	b, _ := json.Marshal(req)
	if err := c.writeFrame(b); err != nil {
		return subscribedFrame{}, fmt.Errorf("subscribe: %w", err)
	}
	for {
		b, err := c.waitFor(frameSubscribed)
		if err != nil {
			return subscribedFrame{}, err
		}
		var f subscribedFrame
		if err := json.Unmarshal(b, &f); err != nil {
			return subscribedFrame{}, fmt.Errorf("subscribed frame: %w", err)
		}
		if f.RoomID == roomID {
			return f, nil
		}
	}
}

// waitFor reads frames until one of type want; an error frame fails.
// Other frames (presence, typing) are skipped.
func (c *wsConn) waitFor(want string) ([]byte, error) {
	for {
		b, err := c.next()
		if err != nil {
			return nil, fmt.Errorf("waiting for %s: %w", want, err)
		}
		switch frameType(b) {
		case want:
			return b, nil
		case frameError:
			var e errorFrame
			_ = json.Unmarshal(b, &e)
			return nil, fmt.Errorf("waiting for %s: %w", want, &serverError{code: e.Code, message: e.Message})
		}
	}
}

// serverError is an error frame the server answered a request with.
type serverError struct{ code, message string }

func (e *serverError) Error() string { return "server error " + e.code + ": " + e.message }

// readLoop hands each frame to h until the connection ends, then closes
// the socket. The frame's bytes are only valid during h.
func (c *wsConn) readLoop(h func(typ string, b []byte)) error {
	defer c.nc.Close()
	for {
		b, err := c.next()
		if err != nil {
			return err
		}
		h(frameType(b), b)
	}
}

var pingFrame = []byte(`{"type":"ping"}`)

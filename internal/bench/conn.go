package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
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
	// readBufSize is the initial size of pooled read buffers.
	readBufSize = 4 << 10
)

// dialers hands out one HTTP client per source address, so dialing can be
// spread over 127.0.0.0/8 and pass the ~28k ephemeral ports of one address.
type dialers struct {
	mu      sync.Mutex
	clients map[string]*http.Client
}

func newDialers() *dialers { return &dialers{clients: map[string]*http.Client{}} }

// client returns the HTTP client that dials from srcIP ("" = any).
func (d *dialers) client(srcIP string) *http.Client {
	d.mu.Lock()
	defer d.mu.Unlock()
	if c, ok := d.clients[srcIP]; ok {
		return c
	}
	nd := &net.Dialer{Timeout: DialTimeout, KeepAlive: -1}
	if srcIP != "" {
		nd.LocalAddr = &net.TCPAddr{IP: net.ParseIP(srcIP)}
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
func dialWS(ctx context.Context, hc *http.Client, base, token string) (*websocket.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, DialTimeout)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, wsURL(base), &websocket.DialOptions{HTTPClient: hc,
		HTTPHeader: http.Header{"Authorization": {"Bearer " + token}}})
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("dial: HTTP %d: %w", resp.StatusCode, err)
		}
		return nil, fmt.Errorf("dial: %w", err)
	}
	c.SetReadLimit(ReadLimit)
	if _, err := waitFor(ctx, c, frameHello); err != nil {
		c.CloseNow()
		return nil, err
	}
	return c, nil
}

// subscribe subscribes c to room and returns the room's last_seq.
func subscribe(ctx context.Context, c *websocket.Conn, roomID string) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, DialTimeout)
	defer cancel()
	b, _ := json.Marshal(map[string]string{"type": "subscribe", "room_id": roomID})
	if err := c.Write(ctx, websocket.MessageText, b); err != nil {
		return 0, fmt.Errorf("subscribe: %w", err)
	}
	for {
		b, err := waitFor(ctx, c, frameSubscribed)
		if err != nil {
			return 0, err
		}
		var f subscribedFrame
		if err := json.Unmarshal(b, &f); err != nil {
			return 0, fmt.Errorf("subscribed frame: %w", err)
		}
		if f.RoomID == roomID {
			return f.LastSeq, nil
		}
	}
}

// waitFor reads frames until one of type want; an error frame fails.
// Other frames (presence, typing) are skipped.
func waitFor(ctx context.Context, c *websocket.Conn, want string) ([]byte, error) {
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			return nil, fmt.Errorf("waiting for %s: %w", want, err)
		}
		switch frameType(b) {
		case want:
			return b, nil
		case frameError:
			var e errorFrame
			_ = json.Unmarshal(b, &e)
			return nil, fmt.Errorf("waiting for %s: server error %s: %s", want, e.Code, e.Message)
		}
	}
}

var readBufs = sync.Pool{New: func() any { return bytes.NewBuffer(make([]byte, 0, readBufSize)) }}

// readLoop hands each frame to h until the connection ends. The frame's
// bytes are only valid during h: buffers are pooled rather than held by
// every idle connection.
func readLoop(c *websocket.Conn, h func(typ string, b []byte)) error {
	for {
		_, r, err := c.Reader(context.Background())
		if err != nil {
			return err
		}
		buf := readBufs.Get().(*bytes.Buffer)
		buf.Reset()
		_, err = buf.ReadFrom(r)
		if err == nil {
			eachFrame(buf.Bytes(), h)
		}
		readBufs.Put(buf)
		if err != nil {
			return err
		}
	}
}

// eachFrame calls h for every JSON frame in a WebSocket message: one, or
// several separated by newlines should the server coalesce them.
func eachFrame(b []byte, h func(typ string, b []byte)) {
	for len(b) > 0 {
		f := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			f, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if f = bytes.TrimSpace(f); len(f) > 0 {
			h(frameType(f), f)
		}
	}
}

// writeFrame writes one text frame with WriteTimeout.
func writeFrame(c *websocket.Conn, b []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), WriteTimeout)
	defer cancel()
	return c.Write(ctx, websocket.MessageText, b)
}

var pingFrame = []byte(`{"type":"ping"}`)

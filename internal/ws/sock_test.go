package ws

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gobwas/ws"
)

// rawClient speaks frames by hand, to test what a library client never sends.
type rawClient struct {
	t  *testing.T
	nc net.Conn
	br *bufio.Reader
}

// handshake is a WebSocket handshake request as user, written by hand.
func (e *env) handshake(user string) []byte {
	return []byte("GET /api/v1/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nX-Test-Token: " + e.tokens[user] + "\r\n\r\n")
}

func (e *env) rawDial(user string) *rawClient { return e.rawDialEarly(user, nil) }

// rawDialEarly connects as user with early written right behind the
// handshake's request (a client that does not wait for the 101), and reads
// the hello.
func (e *env) rawDialEarly(user string, early []byte) *rawClient {
	e.t.Helper()
	rc := e.rawHandshake(user, early)
	if op, p := rc.read(); op != ws.OpText || !strings.Contains(string(p), `"hello"`) {
		e.t.Fatalf("first frame %v %s, want hello", op, p)
	}
	return rc
}

// rawHandshake is rawDialEarly up to the 101: what early makes the server
// do may come before the hello.
func (e *env) rawHandshake(user string, early []byte) *rawClient {
	e.t.Helper()
	nc, err := net.Dial("tcp", e.ts.Listener.Addr().String())
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = nc.Close() })
	rc := &rawClient{t: e.t, nc: nc, br: bufio.NewReader(nc)}
	rc.write(append(e.handshake(user), early...))
	_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(rc.br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		e.t.Fatalf("handshake: %v %v", resp, err)
	}
	return rc
}

// encodeFrame returns one frame, masked if asked (clients must mask).
func encodeFrame(t *testing.T, op ws.OpCode, fin, masked bool, p []byte) []byte {
	t.Helper()
	f := ws.NewFrame(op, fin, append([]byte(nil), p...))
	if masked {
		f = ws.MaskFrameInPlace(f)
	}
	var b bytes.Buffer
	if err := ws.WriteFrame(&b, f); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// frame writes one frame.
func (rc *rawClient) frame(op ws.OpCode, fin, masked bool, p []byte) {
	rc.t.Helper()
	rc.write(encodeFrame(rc.t, op, fin, masked, p))
}

// write writes b in one call.
func (rc *rawClient) write(b []byte) {
	rc.t.Helper()
	if _, err := rc.nc.Write(b); err != nil {
		rc.t.Fatal(err)
	}
}

// read returns the next frame's opcode and payload.
func (rc *rawClient) read() (ws.OpCode, []byte) {
	rc.t.Helper()
	_ = rc.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	h, err := ws.ReadHeader(rc.br)
	if err != nil {
		rc.t.Fatalf("read header: %v", err)
	}
	if h.Masked {
		rc.t.Fatal("server frames must not be masked")
	}
	p := make([]byte, h.Length)
	if _, err := io.ReadFull(rc.br, p); err != nil {
		rc.t.Fatal(err)
	}
	return h.OpCode, p
}

// readType skips frames until a text frame of type typ (or a close).
func (rc *rawClient) readType(typ string) (ws.OpCode, []byte) {
	rc.t.Helper()
	for {
		op, p := rc.read()
		var f struct{ Type string }
		if op != ws.OpText || json.Unmarshal(p, &f) == nil && f.Type == typ {
			return op, p
		}
	}
}

func TestFraming(t *testing.T) {
	e := newEnv(t, envOpts{cfg: Config{MaxFrameBytes: 1024}})
	e.signUp("alice")
	ping := []byte(`{"type":"ping"}`)
	closeCode := func(p []byte) ws.StatusCode { c, _ := ws.ParseCloseFrameData(p); return c }
	tests := []struct {
		name string
		run  func(rc *rawClient)
	}{
		{"fragmented message is reassembled", func(rc *rawClient) {
			rc.frame(ws.OpText, false, true, ping[:5])
			rc.frame(ws.OpPing, true, true, []byte("mid")) // control frames may interleave
			rc.frame(ws.OpContinuation, false, true, ping[5:9])
			rc.frame(ws.OpContinuation, true, true, ping[9:])
			if op, p := rc.read(); op != ws.OpPong || string(p) != "mid" {
				t.Fatalf("got %v %q, want pong mid", op, p)
			}
			if _, p := rc.readType(typePong); !bytes.Contains(p, []byte(`"pong"`)) {
				t.Fatalf("got %s, want pong frame", p)
			}
		}},
		{"binary message gets an error frame", func(rc *rawClient) {
			rc.frame(ws.OpBinary, true, true, ping)
			if _, p := rc.readType(typeError); !bytes.Contains(p, []byte(codeBadFrame)) {
				t.Fatalf("got %s, want bad_frame", p)
			}
		}},
		{"unmasked frame is a protocol error", func(rc *rawClient) {
			rc.frame(ws.OpText, true, false, ping)
			if op, p := rc.readType(""); op != ws.OpClose || closeCode(p) != ws.StatusProtocolError {
				t.Fatalf("got %v %d, want close 1002", op, closeCode(p))
			}
		}},
		{"fragments over the limit close with 1009", func(rc *rawClient) {
			rc.frame(ws.OpText, false, true, bytes.Repeat([]byte("x"), 600))
			rc.frame(ws.OpContinuation, true, true, bytes.Repeat([]byte("x"), 600))
			if op, p := rc.readType(""); op != ws.OpClose || closeCode(p) != ws.StatusMessageTooBig {
				t.Fatalf("got %v %d, want close 1009", op, closeCode(p))
			}
		}},
		{"close is echoed", func(rc *rawClient) {
			rc.frame(ws.OpClose, true, true, ws.NewCloseFrameBody(ws.StatusNormalClosure, "bye"))
			if op, p := rc.readType(""); op != ws.OpClose || closeCode(p) != ws.StatusNormalClosure {
				t.Fatalf("got %v %d, want close 1000", op, closeCode(p))
			}
			if _, err := rc.br.ReadByte(); err == nil {
				t.Fatal("socket still open after the close handshake")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(e.rawDial("alice")) })
	}
}

// A plain GET is told to upgrade, in the API's error shape.
func TestNotAWebSocket(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.signUp("alice")
	req, _ := http.NewRequest(http.MethodGet, e.ts.URL+"/api/v1/ws", nil)
	req.Header.Set("X-Test-Token", e.tokens["alice"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Error struct{ Code string } }
	if resp.StatusCode != http.StatusUpgradeRequired || json.NewDecoder(resp.Body).Decode(&body) != nil || body.Error.Code == "" {
		t.Fatalf("status %d, code %q; want 426 with an error body", resp.StatusCode, body.Error.Code)
	}
}

// Frames are framed as RFC 6455 says, whatever the payload length.
func TestAppendFrame(t *testing.T) {
	for _, n := range []int{0, 125, 126, 65535, 65536} {
		p := bytes.Repeat([]byte("a"), n)
		r := bytes.NewReader(appendFrame(nil, ws.OpText, p))
		h, err := ws.ReadHeader(r)
		got, _ := io.ReadAll(r)
		if err != nil || !h.Fin || h.OpCode != ws.OpText || h.Masked || h.Length != int64(n) || !bytes.Equal(got, p) {
			t.Fatalf("len %d: %+v %v", n, h, err)
		}
	}
}

// countedListener wraps accepted connections as a connection limiter does;
// with sys, the wrapper still offers the OS socket (syscall.Conn).
type countedListener struct {
	net.Listener
	sys bool
}

type wrappedConn struct{ net.Conn }

type wrappedSysConn struct{ net.Conn }

func (c wrappedSysConn) SyscallConn() (syscall.RawConn, error) {
	return c.Conn.(syscall.Conn).SyscallConn()
}

func (l countedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil || !l.sys {
		return wrappedConn{c}, err
	}
	return wrappedSysConn{c}, nil
}

// A connection wrapped to be counted is still written by the shared
// writers when it is an OS socket (its writes can resume); one that is not
// (TLS) gets its own writer.
func TestPlainSocketBehindWrapper(t *testing.T) {
	for _, sys := range []bool{true, false} {
		e := newEnv(t, envOpts{listener: func(ln net.Listener) net.Listener { return countedListener{ln, sys} }})
		e.signUp("alice")
		e.dial("alice", dialOpts{}).expect(typeHello)
		if c := e.serverConn(e.user("alice").ID); c == nil || (c.sk.raw != nil) != sys {
			t.Fatalf("syscall.Conn %v: raw socket = %v", sys, c != nil && c.sk.raw != nil)
		}
	}
}

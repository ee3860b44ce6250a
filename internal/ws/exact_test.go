package ws

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
	"github.com/gobwas/ws"
)

// expectClose reads up to the server's close frame and returns its code
// (1005 when it has none).
func (rc *rawClient) expectClose() (ws.StatusCode, string) {
	rc.t.Helper()
	op, p := rc.readType("")
	if op != ws.OpClose {
		rc.t.Fatalf("got %v frame %q, want close", op, p)
	}
	if len(p) == 0 {
		return ws.StatusNoStatusRcvd, ""
	}
	return ws.ParseCloseFrameData(p)
}

// Each case breaks one rule of RFC 6455 and checks the close code the
// server answers with (Autobahn sections 6 and 7).
func TestExactness(t *testing.T) {
	// One connection per case, each open until the close handshake ends.
	e := newEnv(t, envOpts{cfg: Config{MaxFrameBytes: 4096, MaxPerUser: 1000}})
	e.signUp("alice")
	ping := []byte(`{"type":"ping","ref":"κόσμε"}`)
	closeFrame := func(code uint16, reason string) []byte {
		return append([]byte{byte(code >> 8), byte(code)}, reason...)
	}
	type exactCase struct {
		name string
		send func(rc *rawClient)
		want ws.StatusCode
	}
	tests := []exactCase{
		{"invalid UTF-8 in a text frame", func(rc *rawClient) {
			rc.frame(ws.OpText, true, true, []byte("{\"type\":\"ping\",\"ref\":\"\xc3\x28\"}"))
		}, statusInvalidData},
		{"surrogate in a text frame", func(rc *rawClient) {
			rc.frame(ws.OpText, true, true, []byte("\xed\xa0\x80"))
		}, statusInvalidData},
		{"invalid fragment fails before the message ends", func(rc *rawClient) {
			rc.frame(ws.OpText, false, true, []byte("κόσμε\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xf4\x90\x80\x80"))
			// no final fragment: the server must not wait for it
		}, statusInvalidData},
		{"rune split across fragments is invalid at its second byte", func(rc *rawClient) {
			rc.frame(ws.OpText, false, true, []byte("κόσμε\xf4"))
			rc.frame(ws.OpContinuation, false, true, []byte("\x90"))
		}, statusInvalidData},
		{"message ending inside a rune", func(rc *rawClient) {
			rc.frame(ws.OpText, false, true, []byte("abc\xe2\x82"))
			rc.frame(ws.OpContinuation, true, true, nil)
		}, statusInvalidData},
		{"close reason not UTF-8", func(rc *rawClient) {
			rc.frame(ws.OpClose, true, true, closeFrame(1000, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80"))
		}, statusInvalidData},
		{"close payload of one byte", func(rc *rawClient) {
			rc.frame(ws.OpClose, true, true, []byte{0x03})
		}, ws.StatusProtocolError},
		{"continuation without a start", func(rc *rawClient) {
			rc.frame(ws.OpContinuation, true, true, ping)
		}, ws.StatusProtocolError},
	}
	for _, code := range []uint16{0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535} {
		tests = append(tests, exactCase{"invalid close code " + strconv.Itoa(int(code)), func(rc *rawClient) {
			rc.frame(ws.OpClose, true, true, closeFrame(code, ""))
		}, ws.StatusProtocolError})
	}
	for _, code := range []uint16{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999} {
		tests = append(tests, exactCase{"valid close code " + strconv.Itoa(int(code)) + " is echoed", func(rc *rawClient) {
			rc.frame(ws.OpClose, true, true, closeFrame(code, "bye"))
		}, ws.StatusCode(code)})
	}
	tests = append(tests, exactCase{"empty close is answered with 1000, never 1005", func(rc *rawClient) {
		rc.frame(ws.OpClose, true, true, nil)
	}, ws.StatusNormalClosure})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := e.rawDial("alice")
			tt.send(rc)
			if code, reason := rc.expectClose(); code != tt.want {
				t.Fatalf("closed with %d %q, want %d", code, reason, tt.want)
			}
		})
	}
}

// Valid UTF-8 is accepted however the fragments cut it.
func TestUTF8AcrossFragments(t *testing.T) {
	e := newEnv(t, envOpts{cfg: Config{MaxPerUser: 1000}}) // one connection per cut
	e.signUp("alice")
	msg := []byte(`{"type":"ping","ref":"κόσμε 𝄞 €"}`)
	for cut := 1; cut < len(msg); cut++ {
		rc := e.rawDial("alice")
		rc.frame(ws.OpText, false, true, msg[:cut])
		rc.frame(ws.OpContinuation, true, true, msg[cut:])
		if op, p := rc.readType(typePong); op != ws.OpText {
			t.Fatalf("cut at %d: got %v %q, want the pong frame", cut, op, p)
		}
	}
}

// The server never puts 1005, 1006 or 1015 on the wire, even when told to.
func TestCloseBodyNeverReserved(t *testing.T) {
	for _, code := range []ws.StatusCode{1005, 1006, 1015, 0, 999, 5000} {
		if b := closeBody(code, "x"); len(b) != 0 {
			t.Errorf("closeBody(%d) = %v, want no code", code, b)
		}
	}
	long := strings.Repeat("é", 100) // 200 bytes
	b := closeBody(ws.StatusGoingAway, long)
	if code, reason := ws.ParseCloseFrameData(b); code != ws.StatusGoingAway || len(b) > 125 || !utf8.ValidString(reason) {
		t.Fatalf("long reason: %d bytes, code %d", len(b), code)
	}
}

// After 1009 the server reads on (bounded) so that a client still sending
// its big message reads the close code instead of a connection reset.
func TestTooBigClientReadsCloseCode(t *testing.T) {
	e := newEnv(t, envOpts{cfg: Config{MaxFrameBytes: 1024, MaxPerUser: 1000}})
	e.signUp("alice")
	big := bytes.Repeat([]byte("x"), 256<<10)
	for i := range 30 {
		ctx, cancel := context.WithTimeout(bg(), 10*time.Second)
		c, _, err := websocket.Dial(ctx, e.wsURL(), &websocket.DialOptions{HTTPHeader: http.Header{"X-Test-Token": {e.tokens["alice"]}}})
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		go func() { _ = c.Write(ctx, websocket.MessageText, big) }()
		var rerr error
		for rerr == nil {
			_, _, rerr = c.Read(ctx)
		}
		cancel()
		_ = c.CloseNow()
		if code := websocket.CloseStatus(rerr); code != websocket.StatusMessageTooBig {
			t.Fatalf("iteration %d: read ended with %v (close status %d), want 1009", i, rerr, code)
		}
	}
}

// The same with a client that finishes the handshake by hand: its big
// write is taken whole, it reads 1009, answers the close, and the server
// then ends the connection cleanly (EOF, not a reset from unread data).
func TestTooBigEndsWithoutReset(t *testing.T) {
	e := newEnv(t, envOpts{cfg: Config{MaxFrameBytes: 1024, MaxPerUser: 1000}})
	e.signUp("alice")
	big := ws.MaskFrameInPlace(ws.NewTextFrame(bytes.Repeat([]byte("x"), 256<<10)))
	for i := range 20 {
		rc := e.rawDial("alice")
		werr := make(chan error, 1)
		go func() { werr <- ws.WriteFrame(rc.nc, big) }()
		if code, reason := rc.expectClose(); code != ws.StatusMessageTooBig {
			t.Fatalf("iteration %d: closed with %d %q, want 1009", i, code, reason)
		}
		if err := <-werr; err != nil {
			t.Fatalf("iteration %d: the big write failed: %v", i, err)
		}
		rc.frame(ws.OpClose, true, true, ws.NewCloseFrameBody(ws.StatusMessageTooBig, ""))
		if _, err := rc.br.ReadByte(); !errors.Is(err, io.EOF) {
			t.Fatalf("iteration %d: connection ended with %v, want EOF", i, err)
		}
	}
}

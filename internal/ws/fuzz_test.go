package ws

import (
	"bufio"
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gobwas/ws"
)

// maskedFrame is a client frame as it travels: masked.
func maskedFrame(op ws.OpCode, fin bool, p string) []byte {
	var b bytes.Buffer
	_ = ws.WriteFrame(&b, ws.MaskFrameInPlace(ws.NewFrame(op, fin, []byte(p))))
	return b.Bytes()
}

// FuzzReadMessage feeds arbitrary bytes to the frame reader: it never
// panics, a message it returns is within the limit and, as text, UTF-8,
// and it closes only with the codes RFC 6455 allows.
func FuzzReadMessage(f *testing.F) {
	ping := `{"type":"ping","ref":"κόσμε"}`
	for _, seed := range [][]byte{
		maskedFrame(ws.OpText, true, ping),
		maskedFrame(ws.OpText, true, `{"type":"send","room_id":"r1","body":"hi @ada","client_id":"c-1"}`),
		append(append(maskedFrame(ws.OpText, false, ping[:20]), maskedFrame(ws.OpPing, true, "mid")...), maskedFrame(ws.OpContinuation, true, ping[20:])...),
		maskedFrame(ws.OpBinary, true, "\x00\x01"),
		maskedFrame(ws.OpClose, true, string(ws.NewCloseFrameBody(ws.StatusNormalClosure, "bye"))),
		maskedFrame(ws.OpClose, true, "\x03"),
		maskedFrame(ws.OpPong, true, ""),
		maskedFrame(ws.OpText, true, "\xce\xba\xf4\x90"),
		maskedFrame(ws.OpText, true, strings.Repeat("x", 300)),
		{0x81, 0x05, 'h', 'e', 'l', 'l', 'o'}, // unmasked
	} {
		f.Add(seed)
	}
	const limit = 256
	f.Fuzz(func(t *testing.T, stream []byte) {
		s := &sock{br: bufio.NewReader(bytes.NewReader(stream))}
		var buf bytes.Buffer
		for range 8 {
			op, err := s.readMessage(&buf, limit, func([]byte) {}, func() {})
			var ce *closeError
			switch {
			case errors.As(err, &ce):
				if !receivedCloseCode(ce.code) {
					t.Fatalf("closes with %d", ce.code)
				}
				return
			case err != nil:
				return // the stream ended
			case op != ws.OpText && op != ws.OpBinary:
				t.Fatalf("message of opcode %v", op)
			case buf.Len() > limit:
				t.Fatalf("message of %d bytes over the limit %d", buf.Len(), limit)
			case op == ws.OpText && !utf8.Valid(buf.Bytes()):
				t.Fatalf("text message not UTF-8: %q", buf.Bytes())
			}
			buf.Reset()
		}
	})
}

// FuzzUTF8Stream: however a text is cut into fragments, the incremental
// check agrees with utf8.Valid on the whole, and refuses a fragment as
// soon as no continuation could make it valid.
func FuzzUTF8Stream(f *testing.F) {
	for _, s := range []string{"κόσμε", "a€𝄞b", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc0\xaf", "abc\xe2\x82", "\xef\xbf\xbf"} {
		f.Add([]byte(s), uint8(1), uint8(2))
	}
	f.Fuzz(func(t *testing.T, b []byte, cut1, cut2 uint8) {
		i, j := min(int(cut1), len(b)), min(int(cut2), len(b))
		if i > j {
			i, j = j, i
		}
		var v utf8Stream
		ok := v.write(b[:i]) && v.write(b[i:j]) && v.write(b[j:]) && v.complete()
		if ok != utf8.Valid(b) {
			t.Fatalf("%q cut at %d, %d: stream says %v, utf8.Valid %v", b, i, j, ok, !ok)
		}
		// Fail fast: a prefix refused cannot be the start of valid UTF-8.
		var w utf8Stream
		if !w.write(b[:i]) && utf8.Valid(append(b[:i:i], validTails(b[:i])...)) {
			t.Fatalf("prefix %q refused though it can be completed", b[:i])
		}
	})
}

// validTails returns bytes that complete a rune cut at the end of p, if
// p ends inside one (a candidate continuation for the fail-fast check).
func validTails(p []byte) []byte {
	for k := 1; k <= 3; k++ {
		for _, tail := range [][]byte{{0x80}, {0x80, 0x80}, {0x80, 0x80, 0x80}, {0x90, 0x80, 0x80}, {0xa0, 0x80}} {
			if len(tail) == k && utf8.Valid(append(append([]byte(nil), p...), tail...)) {
				return tail
			}
		}
	}
	return nil
}

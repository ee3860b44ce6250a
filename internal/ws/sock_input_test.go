package ws

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
)

// TestReadInput: the reader under a socket's bufio.Reader serves the
// handshake's bytes first, tells a short read (the socket had no more)
// from a full one, and its non-blocking look (hasInput) never waits.
func TestReadInput(t *testing.T) {
	for _, tc := range []struct {
		name      string
		prefix    string
		sent      int  // bytes the peer sends before the first read
		read      int  // bytes then consumed through br
		wantShort bool // after those reads
		wantInput bool // hasInput afterwards
	}{
		{"nothing sent", "", 0, 0, false, false},
		{"a short read", "", 100, 100, true, false},
		{"a full read leaves the socket unknown", "", readBufSize, readBufSize, false, false},
		{"a full read with more behind", "", readBufSize + 10, readBufSize, false, true},
		{"the handshake's bytes are not the socket's", "abc", 0, 3, false, false},
		{"the handshake's bytes, then the socket's", "abc", 5, 8, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			server, peer := tcpPair(t)
			raw, err := server.(*net.TCPConn).SyscallConn()
			if err != nil {
				t.Fatal(err)
			}
			s := &sock{nc: server, raw: raw, prefix: []byte(tc.prefix)}
			s.br = bufio.NewReaderSize(input{s}, readBufSize)
			if tc.sent > 0 {
				if _, err := peer.Write(bytes.Repeat([]byte{'x'}, tc.sent)); err != nil {
					t.Fatal(err)
				}
				time.Sleep(50 * time.Millisecond) // all of it in the socket before the first read
			}
			want := tc.prefix + strings.Repeat("x", tc.read-len(tc.prefix))
			got := make([]byte, 0, tc.read)
			for len(got) < tc.read {
				b, err := s.br.ReadByte()
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, b)
			}
			if string(got) != want {
				t.Fatalf("read %q, want %q", got, want)
			}
			if s.short != tc.wantShort {
				t.Fatalf("short = %v, want %v", s.short, tc.wantShort)
			}
			if tc.prefix != "" && s.prefix != nil {
				t.Fatal("the handshake's bytes are kept after they were read")
			}
			done := make(chan bool, 1)
			go func() { done <- s.hasInput() }()
			select {
			case has := <-done:
				if has != tc.wantInput {
					t.Fatalf("hasInput = %v, want %v", has, tc.wantInput)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("hasInput waited for the socket")
			}
			if !tc.wantInput && !s.short {
				t.Fatal("an empty socket found by a non-blocking read is not noted as drained")
			}
			_ = peer.Close() // the end is input too: the reader must see it
			time.Sleep(20 * time.Millisecond)
			s.short = false // as after the event the close brings
			if !s.hasInput() {
				t.Fatal("hasInput missed the peer's close")
			}
		})
	}
}

// TestReadingRawWrites: frames are read and answered in order whatever
// way the client's bytes are cut: sent with the handshake (before the
// 101), many in one write, one frame in pieces, a frame that fills the
// read buffer exactly; in both reading modes.
func TestReadingRawWrites(t *testing.T) {
	sendFrame := func(t *testing.T, room string, i int) []byte {
		body := fmt.Sprintf(`{"type":"send","room_id":%q,"body":"m %d","client_id":"c-%d"}`, room, i, i)
		return maskedText(t, body)
	}
	// exact is a frame of readBufSize bytes in all: its body padded to the
	// size that leaves room for a masked header with a 16-bit length.
	exact := func(t *testing.T, room string, i int) []byte {
		body := fmt.Sprintf(`{"type":"send","room_id":%q,"client_id":"c-%d","body":"m %d `, room, i, i)
		body += strings.Repeat("p", readBufSize-8-len(body)-2) + `"}`
		f := maskedText(t, body)
		if len(f) != readBufSize {
			t.Fatalf("frame of %d bytes, want %d", len(f), readBufSize)
		}
		return f
	}
	for _, mode := range readingModes {
		for _, tc := range []struct {
			name string
			n    int // frames
			// write sends the frames; first is written with the
			// handshake's request.
			first func(t *testing.T, room string) []byte
			write func(t *testing.T, nc net.Conn, room string)
		}{
			{"frames with the handshake", 10, func(t *testing.T, room string) []byte {
				var b []byte
				for i := range 10 {
					b = append(b, sendFrame(t, room, i)...)
				}
				return b
			}, nil},
			{"many frames in one write", 40, nil, func(t *testing.T, nc net.Conn, room string) {
				var b []byte
				for i := range 40 {
					b = append(b, sendFrame(t, room, i)...)
				}
				writeAll(t, nc, b)
			}},
			{"a frame in pieces", 3, nil, func(t *testing.T, nc net.Conn, room string) {
				for i := range 3 {
					f := sendFrame(t, room, i)
					for _, cut := range [][2]int{{0, 1}, {1, 5}, {5, len(f)}} {
						writeAll(t, nc, f[cut[0]:cut[1]])
						time.Sleep(20 * time.Millisecond)
					}
				}
			}},
			{"frames that fill the read buffer", 4, nil, func(t *testing.T, nc net.Conn, room string) {
				for i := 0; i < 4; i += 2 { // a full read that ends with a frame, the next one behind it
					writeAll(t, nc, append(exact(t, room, i), exact(t, room, i+1)...))
					time.Sleep(20 * time.Millisecond)
				}
			}},
		} {
			t.Run(mode.name+"/"+tc.name, func(t *testing.T) {
				e := newEnv(t, envOpts{cfg: mode.cfg})
				e.signUp("alice")
				room := e.room("general")
				var first []byte
				if tc.first != nil {
					first = tc.first(t, room)
				}
				nc, br := rawDial(t, e, "alice", first)
				if tc.write != nil {
					tc.write(t, nc, room)
				}
				for i := range tc.n {
					f := readServerFrame(t, nc, br, typeAck)
					if want := fmt.Sprintf("c-%d", i); f.ClientID != want {
						t.Fatalf("ack %d for %q, want %q", i, f.ClientID, want)
					}
				}
			})
		}
	}
}

func maskedText(t *testing.T, body string) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := ws.WriteFrame(&b, ws.MaskFrame(ws.NewTextFrame([]byte(body)))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func writeAll(t *testing.T, nc net.Conn, b []byte) {
	t.Helper()
	if _, err := nc.Write(b); err != nil {
		t.Fatal(err)
	}
}

// rawDial does the WebSocket handshake by hand on a TCP connection,
// writing extra right behind the request, and returns the connection and
// its reader past the 101.
func rawDial(t *testing.T, e *env, user string, extra []byte) (net.Conn, *bufio.Reader) {
	t.Helper()
	nc, err := net.Dial("tcp", strings.TrimPrefix(e.ts.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = nc.Close() })
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	req := "GET /api/v1/ws HTTP/1.1\r\nHost: openchat.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nX-Test-Token: " + e.tokens[user] + "\r\n\r\n"
	writeAll(t, nc, append([]byte(req), extra...))
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake: %s", resp.Status)
	}
	return nc, br
}

// readServerFrame reads the server's frames until one of type typ.
func readServerFrame(t *testing.T, nc net.Conn, br *bufio.Reader, typ string) frame {
	t.Helper()
	for {
		h, err := ws.ReadHeader(br)
		if err != nil || h.Length > 1<<20 {
			t.Fatalf("waiting for %s: %v (a frame of %d bytes)", typ, err, h.Length)
		}
		payload := make([]byte, h.Length)
		if _, err := io.ReadFull(br, payload); err != nil {
			t.Fatalf("waiting for %s: %v", typ, err)
		}
		var fr frame
		if err := json.Unmarshal(payload, &fr); err != nil {
			t.Fatalf("frame %q: %v", payload, err)
		}
		if fr.Type == typ {
			return fr
		}
		if fr.Type == typeError {
			t.Fatalf("error frame while waiting for %s: %s", typ, payload)
		}
	}
}

package ws

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
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
// 101), many in one write, one frame in pieces, frames that fill the read
// buffer exactly; in both reading modes.
func TestReadingRawWrites(t *testing.T) {
	send := func(t *testing.T, room string, i int) []byte {
		body := fmt.Sprintf(`{"type":"send","room_id":%q,"body":"m %d","client_id":"c-%d"}`, room, i, i)
		return encodeFrame(t, ws.OpText, true, true, []byte(body))
	}
	sends := func(t *testing.T, room string, n int) []byte {
		var b []byte
		for i := range n {
			b = append(b, send(t, room, i)...)
		}
		return b
	}
	// exact is a frame of readBufSize bytes in all: its body padded to the
	// size that leaves room for a masked header with a 16-bit length.
	exact := func(t *testing.T, room string, i int) []byte {
		body := fmt.Sprintf(`{"type":"send","room_id":%q,"client_id":"c-%d","body":"m %d `, room, i, i)
		body += strings.Repeat("p", readBufSize-8-len(body)-2) + `"}`
		f := encodeFrame(t, ws.OpText, true, true, []byte(body))
		if len(f) != readBufSize {
			t.Fatalf("frame of %d bytes, want %d", len(f), readBufSize)
		}
		return f
	}
	for _, mode := range readingModes {
		for _, tc := range []struct {
			name  string
			n     int                                            // frames, acked as c-0, c-1, …
			early func(t *testing.T, room string) []byte         // written with the handshake's request
			write func(t *testing.T, rc *rawClient, room string) // then
		}{
			{"frames with the handshake", 10, func(t *testing.T, room string) []byte { return sends(t, room, 10) }, nil},
			{"many frames in one write", 40, nil, func(t *testing.T, rc *rawClient, room string) { rc.write(sends(t, room, 40)) }},
			{"a frame in pieces", 3, nil, func(t *testing.T, rc *rawClient, room string) {
				for i := range 3 {
					f := send(t, room, i)
					for _, cut := range [][2]int{{0, 1}, {1, 5}, {5, len(f)}} {
						rc.write(f[cut[0]:cut[1]])
						time.Sleep(20 * time.Millisecond)
					}
				}
			}},
			{"frames that fill the read buffer", 4, nil, func(t *testing.T, rc *rawClient, room string) {
				for i := 0; i < 4; i += 2 { // a full read that ends with a frame, the next one behind it
					rc.write(append(exact(t, room, i), exact(t, room, i+1)...))
					time.Sleep(20 * time.Millisecond)
				}
			}},
		} {
			t.Run(mode.name+"/"+tc.name, func(t *testing.T) {
				e := newEnv(t, envOpts{cfg: mode.cfg})
				e.signUp("alice")
				room := e.room("general")
				var early []byte
				if tc.early != nil {
					early = tc.early(t, room)
				}
				rc := e.rawDialEarly("alice", early)
				if tc.write != nil {
					tc.write(t, rc, room)
				}
				for i := range tc.n {
					op, p := rc.readType(typeAck)
					var ack frame
					if err := json.Unmarshal(p, &ack); op != ws.OpText || err != nil {
						t.Fatalf("waiting for ack %d: %v %s", i, op, p)
					}
					if want := fmt.Sprintf("c-%d", i); ack.ClientID != want {
						t.Fatalf("ack %d for %q, want %q", i, ack.ClientID, want)
					}
				}
			})
		}
	}
}

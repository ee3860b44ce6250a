package ws

import (
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/memory"
)

// TestInlineFanoutLimit: a room of up to inlineFanout local subscribers is
// written by the caller of accept, on the raw socket, before accept
// returns; one more and the writer pool writes it (net.Conn.Write). Every
// connection here shares one pipe as its raw socket.
func TestInlineFanoutLimit(t *testing.T) {
	for _, tc := range []struct {
		subs   int
		inline bool
	}{{1, true}, {inlineFanout, true}, {inlineFanout + 1, false}} {
		t.Run(fmt.Sprint(tc.subs, "subs"), func(t *testing.T) {
			ps := memory.NewPubSub()
			defer ps.Close()
			s := NewServer(Config{SendQueue: 16}, nil, ps, nil, nil, nil)
			defer s.cancel()
			pr, pw, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer pr.Close()
			defer pw.Close()
			raw, err := pw.SyscallConn()
			if err != nil {
				t.Fatal(err)
			}
			r := &room{id: "r", ahead: map[int64]item{}, inited: true}
			dcs := make([]*discardConn, tc.subs)
			for i := range dcs {
				dcs[i] = &discardConn{}
				c := &conn{srv: s, sk: &sock{nc: dcs[i], raw: raw}, subs: map[string]*sub{}}
				r.subs = append(r.subs, &sub{c: c, room: r, idx: i})
			}
			m := benchMessage()
			frame := appendFrame(nil, 0x1, stateItem(&m, 0).frame)
			s.accept(r, item{change: 1, seq: 1, kind: typeMessage, frame: stateItem(&m, 0).frame})

			piped := readAvailable(t, pr)
			if tc.inline {
				if piped != tc.subs*len(frame) {
					t.Fatalf("raw socket got %d bytes when accept returned, want %d frames of %d", piped, tc.subs, len(frame))
				}
				for i, d := range dcs {
					if n := d.n.Load(); n != 0 {
						t.Fatalf("subscriber %d: the pool wrote %d bytes too", i, n)
					}
				}
				return
			}
			if piped != 0 {
				t.Fatalf("raw socket got %d bytes; a room over %d is the pool's", piped, inlineFanout)
			}
			for i, d := range dcs {
				for deadline := time.Now().Add(5 * time.Second); d.n.Load() == 0 && time.Now().Before(deadline); {
					time.Sleep(time.Millisecond)
				}
				if n := d.n.Load(); n != int64(len(frame)) {
					t.Fatalf("subscriber %d: the pool wrote %d bytes, want %d", i, n, len(frame))
				}
			}
		})
	}
}

// readAvailable reads what the pipe holds now.
func readAvailable(t *testing.T, pr *os.File) int {
	t.Helper()
	total := 0
	buf := make([]byte, 64<<10)
	for {
		if err := pr.SetReadDeadline(time.Now().Add(50 * time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		n, err := pr.Read(buf)
		total += n
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return total
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

package ws

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/memory"
)

// TestInlineFanoutLimit: a room of up to inlineFanout local subscribers is
// written by the caller of accept, before accept returns; one more and
// accept only hands the connections to the writer pool, which writes them
// after. Every connection here shares one pipe as its socket, which counts
// the writes made on goroutines other than accept's. In the pool's case
// the connections' write locks are held during accept, so a pool writer
// cannot have written yet, and an accept that wrote inline would wait.
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
			pipeRaw, err := pw.SyscallConn()
			if err != nil {
				t.Fatal(err)
			}
			raw := &callerRaw{RawConn: pipeRaw}
			r := &room{id: "r", ahead: map[int64]item{}, inited: true}
			for i := range tc.subs {
				c := &conn{srv: s, sk: &sock{nc: &discardConn{}, raw: raw}, subs: map[string]*sub{}}
				r.subs = append(r.subs, &sub{c: c, room: r, idx: i})
				if !tc.inline {
					c.sk.wmu.Lock()
				}
			}
			m := benchMessage()
			frame := appendFrame(nil, 0x1, stateItem(&m, 0).frame)
			accepted := make(chan struct{})
			go func() {
				raw.caller.Store(goid())
				s.accept(r, item{change: 1, seq: 1, kind: typeMessage, frame: stateItem(&m, 0).frame})
				close(accepted)
			}()
			select {
			case <-accepted:
			case <-time.After(5 * time.Second):
				t.Fatal("accept waited for a socket's write lock: it wrote a pool-sized room itself")
			}
			piped := readAvailable(t, pr)
			if tc.inline {
				if piped != tc.subs*len(frame) || raw.others.Load() != 0 {
					t.Fatalf("raw socket got %d bytes when accept returned, %d writes by others; want %d frames of %d, none by others",
						piped, raw.others.Load(), tc.subs, len(frame))
				}
				return
			}
			if piped != 0 {
				t.Fatalf("raw socket got %d bytes; a room over %d is the pool's", piped, inlineFanout)
			}
			for _, sb := range r.subs {
				sb.c.sk.wmu.Unlock()
			}
			for deadline := time.Now().Add(5 * time.Second); piped < tc.subs*len(frame) && time.Now().Before(deadline); {
				piped += readAvailable(t, pr)
			}
			if piped != tc.subs*len(frame) || raw.others.Load() != int32(tc.subs) {
				t.Fatalf("the pool wrote %d bytes in %d writes, want %d frames of %d", piped, raw.others.Load(), tc.subs, len(frame))
			}
		})
	}
}

// callerRaw is a socket's raw access that counts the writes made on
// goroutines other than caller.
type callerRaw struct {
	syscall.RawConn
	caller atomic.Int64
	others atomic.Int32
}

func (r *callerRaw) Write(f func(uintptr) bool) error {
	if goid() != r.caller.Load() {
		r.others.Add(1)
	}
	return r.RawConn.Write(f)
}

// goid is the running goroutine's id, from its stack trace's first line
// ("goroutine 42 [running]:").
func goid() int64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	id, _ := strconv.ParseInt(string(b[:bytes.IndexByte(b, ' ')]), 10, 64)
	return id
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

package ws

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/memory"
)

// discardConn is a socket that takes every write at once, so the fan-out
// benchmark measures OpenChat's own work: queueing, the writer pool and
// framing, not the kernel.
type discardConn struct {
	net.Conn
	n atomic.Int64
}

func (d *discardConn) Write(b []byte) (int, error)      { d.n.Add(int64(len(b))); return len(b), nil }
func (d *discardConn) SetWriteDeadline(time.Time) error { return nil }
func (d *discardConn) Close() error                     { return nil }

// notRaw stands for an OS socket's raw access, so the pool writes a
// discardConn as it writes a TCP connection; the pool never uses it.
type notRaw struct{}

func (notRaw) Control(func(uintptr)) error    { return errors.New("not a socket") }
func (notRaw) Read(func(uintptr) bool) error  { return errors.New("not a socket") }
func (notRaw) Write(func(uintptr) bool) error { return errors.New("not a socket") }

func benchMessage() chat.Message {
	return chat.Message{ID: chat.NewID(), RoomID: chat.NewID(), Seq: 42, Body: "hello, this is a message of a typical length for a chat room",
		Author: chat.UserRef{ID: chat.NewID(), Username: "alice", DisplayName: "Alice"}, CreatedAt: chat.NewTime(time.Now())}
}

// BenchmarkEncodeMessage: one message frame, encoded once per room, then
// framed for the wire.
func BenchmarkEncodeMessage(b *testing.B) {
	m := benchMessage()
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		buf = appendFrame(buf[:0], 0x1, stateItem(&m, 0).frame)
	}
}

// BenchmarkFanout: one message to every subscriber of a room, until every
// subscriber's writer has taken it.
func BenchmarkFanout(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprint(n, "subs"), func(b *testing.B) {
			ps := memory.NewPubSub()
			defer ps.Close()
			s := NewServer(Config{SendQueue: 1 << 20}, nil, ps, nil, nil, nil)
			defer s.cancel()
			r := &room{id: "r", ahead: map[int64]item{}, inited: true}
			conns := make([]*conn, n)
			for i := range conns {
				conns[i] = &conn{srv: s, sk: &sock{nc: &discardConn{}, raw: notRaw{}}, subs: map[string]*sub{}}
				r.subs = append(r.subs, &sub{c: conns[i], room: r, idx: i})
			}
			m := benchMessage()
			frame := stateItem(&m, 0).frame
			b.ReportAllocs()
			for b.Loop() {
				r.mu.Lock()
				s.fanoutLocked(r, item{change: r.last + 1, prev: r.last, seq: r.last + 1, kind: typeMessage, frame: frame}, nil)
				r.mu.Unlock()
			}
			for _, c := range conns { // let the writers finish: their work is part of the cost
				for {
					c.mu.Lock()
					busy := c.writing
					c.mu.Unlock()
					if !busy {
						break
					}
					time.Sleep(time.Millisecond)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/delivery")
		})
	}
}

// smallRoom is a room of n subscribers on loopback TCP sockets whose peers
// keep reading, and an item to fan out to them on the publisher's
// goroutine (accept's inline path), as in the 1,000 × 10 case.
func smallRoom(tb testing.TB, n int) (s *Server, r *room, next func() item) {
	ps := memory.NewPubSub()
	tb.Cleanup(func() { _ = ps.Close() })
	s = NewServer(Config{SendQueue: 1 << 20}, nil, ps, nil, nil, nil)
	tb.Cleanup(s.cancel)
	r = &room{id: "r", ahead: map[int64]item{}, inited: true}
	for i := range n {
		nc, peer := tcpPair(tb)
		raw, err := nc.(*net.TCPConn).SyscallConn()
		if err != nil {
			tb.Fatal(err)
		}
		go func() { _, _ = io.Copy(io.Discard, peer) }()
		c := &conn{srv: s, sk: &sock{nc: nc, raw: raw}, subs: map[string]*sub{}}
		r.subs = append(r.subs, &sub{c: c, room: r, idx: i})
	}
	m := benchMessage()
	frame := stateItem(&m, 0).frame
	return s, r, func() item {
		return item{change: r.last + 1, prev: r.last, seq: r.last + 1, kind: typeMessage, frame: frame}
	}
}

// BenchmarkSmallRoomAccept: one message to a room of 10 subscribers;
// allocs/op counts what one message costs the garbage collector there.
func BenchmarkSmallRoomAccept(b *testing.B) {
	s, r, next := smallRoom(b, 10)
	b.ReportAllocs()
	for b.Loop() {
		s.accept(r, next())
	}
}

// TestSmallRoomAcceptAllocs: fanning a message out to a small room makes
// next to no garbage. It made 45 allocations for 10 subscribers before the
// socket's write callback, the spare queue and the pooled write list; now
// none, but the race detector (make test) drops a quarter of what goes
// into a sync.Pool, which costs about 5 here: the bound, one per
// subscriber, holds in both builds and fails the old code in either.
func TestSmallRoomAcceptAllocs(t *testing.T) {
	const subs = 10
	s, r, next := smallRoom(t, subs)
	s.accept(r, next()) // the first write makes each socket's callback and queue
	if got := testing.AllocsPerRun(200, func() { s.accept(r, next()) }); got > subs {
		t.Fatalf("%.1f allocations per message to %d subscribers, want at most %d", got, subs, subs)
	}
}

package chattest

import (
	"context"
	"fmt"
	"runtime/metrics"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// BenchmarkStorePaced measures AppendMessage latency the way the fan-out
// load test sees it: an open loop posting rate messages per second, spread
// over rooms rooms, each message on its own goroutine started on schedule
// (so a slow commit delays the messages queued behind it instead of slowing
// the sender). It reports the latency percentiles of one pass of length d,
// after a first second sent at the same rate and timed apart (first-s-p99):
// on PostgreSQL the first appends of a new store took up to 200 ms (a
// third of it waiting for the pool's connections, which its newStore now
// opens first, as a server does; the rest each new connection's first
// append, which it now rehearses), and with 5 messages per room they were
// the whole p99. b.N is ignored beyond running at least one pass.
func BenchmarkStorePaced(b *testing.B, newStore func(b *testing.B) chat.Store, rate, rooms int, d time.Duration) {
	s := newStore(b)
	ctx := context.Background()
	u, r := benchRoom(b, s, 0)
	roomIDs := []string{r.ID}
	for i := 1; i < rooms; i++ {
		r := chat.Room{ID: chat.NewID(), Name: fmt.Sprintf("paced%d", i), Visibility: chat.Public, CreatedBy: u.ID}
		if err := s.CreateRoom(ctx, r); err != nil {
			b.Fatal(err)
		}
		roomIDs = append(roomIDs, r.ID)
	}
	warm := rate // the first second's messages
	n := warm + int(d.Seconds()*float64(rate))
	lat := make([]time.Duration, n)
	interval := time.Second / time.Duration(rate)
	created := []metrics.Sample{{Name: "/sched/goroutines-created:goroutines"}}
	metrics.Read(created)
	before := created[0].Value.Uint64()
	b.ResetTimer()
	for range b.N {
		var wg sync.WaitGroup
		start := time.Now()
		for i := range n {
			if wait := time.Until(start.Add(time.Duration(i) * interval)); wait > 0 {
				time.Sleep(wait)
			}
			wg.Go(func() {
				id := chat.NewID()
				t0 := time.Now()
				if _, _, err := s.AppendMessage(ctx, chat.NewMessage{ID: id, RoomID: roomIDs[i%len(roomIDs)], Author: u.Ref(), Body: "hello, world", ClientID: id[24:]}); err != nil {
					b.Error(err)
				}
				lat[i] = time.Since(t0)
			})
		}
		wg.Wait()
	}
	b.StopTimer()
	metrics.Read(created)
	// Goroutines started per message beyond the benchmark's own one.
	b.ReportMetric(float64(created[0].Value.Uint64()-before)/float64(b.N*n)-1, "goroutines/msg")
	pct := func(lat []time.Duration, p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	first, timed := lat[:warm], lat[warm:]
	slices.Sort(first)
	slices.Sort(timed)
	b.ReportMetric(pct(first, 0.99), "first-s-p99-ms")
	b.ReportMetric(pct(timed, 0.5), "p50-ms")
	b.ReportMetric(pct(timed, 0.9), "p90-ms")
	b.ReportMetric(pct(timed, 0.99), "p99-ms")
	b.ReportMetric(pct(timed, 0.999), "p999-ms")
	b.ReportMetric(float64(timed[len(timed)-1].Microseconds())/1000, "max-ms")
	b.ReportMetric(0, "ns/op")
}

package bench

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultPublisherRate is the send rate one publisher connection is given
// when --publishers is not set, so the number of publishers grows with
// --rate. Publishers share the user pool, and the server limits posts per
// user (--ratelimit-posts, 20/s by default): start the server under test
// with --ratelimit-posts off for high rates (docs/security.md).
const DefaultPublisherRate = 8.0

// publishers are the fan-out scenario's senders: a few connections that do
// not subscribe, each sending its share of the rate.
type publishers struct {
	runID string
	conns []*wsConn
	done  []chan struct{}

	mu    sync.Mutex
	acked map[string][]int64 // room id → acked seqs
	last  []posted           // by publisher: its latest acked message (edits, reactions)
	cf    *cfAPI             // Centrifugo target: publish over its HTTP API, no connections

	from    phaseStart // acks of messages sent before it are not timed
	sent    atomic.Int64
	nAcked  atomic.Int64
	nErrors atomic.Int64
	lat     Recorder // ack latency
	errs    errorTally
}

// openPublishers dials n connections with the given tokens and addresses.
func openPublishers(ctx context.Context, d *dialers, runID string, n int, urls, tokens, srcIPs []string) (*publishers, error) {
	p := &publishers{runID: runID, acked: map[string][]int64{}, last: make([]posted, n)}
	for i := range n {
		ws, err := dialWS(ctx, d.dialer(pick(srcIPs, i)), pick(urls, i), pick(tokens, i))
		if err != nil {
			p.close()
			return nil, err
		}
		done := make(chan struct{})
		p.conns, p.done = append(p.conns, ws), append(p.done, done)
		go func() {
			defer close(done)
			_ = ws.readLoop(func(typ string, b []byte) { p.handle(i, typ, b) })
		}()
	}
	return p, nil
}

func (p *publishers) handle(i int, typ string, b []byte) {
	switch typ {
	case frameAck:
		var f ackFrame
		if json.Unmarshal(b, &f) != nil || !strings.HasPrefix(f.ClientID, p.runID+"-") {
			return
		}
		if t, ok := bodyTime(f.Message.Body); ok && p.from.timed(t) {
			p.lat.Record(i, time.Now().UnixNano()-t)
		}
		p.mu.Lock()
		p.acked[f.Message.RoomID] = append(p.acked[f.Message.RoomID], f.Message.Seq)
		if i < len(p.last) {
			p.last[i] = posted{f.Message.RoomID, f.Message.Seq}
		}
		p.mu.Unlock()
		p.nAcked.Add(1)
	case frameError:
		var f errorFrame
		_ = json.Unmarshal(b, &f)
		p.errs.add(f.Code, f.Message)
		p.nErrors.Add(1)
	}
}

// run sends total messages, rate per second from start: message k at
// start + k/rate to rooms[k%len(rooms)] from publisher k%len(conns). A
// publisher that falls behind sends late rather than skipping: latency is
// measured from the actual send.
func (p *publishers) run(ctx context.Context, rooms []string, rate float64, start time.Time, total int64) {
	if p.cf != nil {
		p.runHTTP(ctx, rooms, rate, start, total)
		return
	}
	var wg sync.WaitGroup
	for pi, ws := range p.conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 0, 256)
			for k := int64(pi); k < total; k += int64(len(p.conns)) {
				due := start.Add(time.Duration(float64(k) / rate * float64(time.Second)))
				select {
				case <-ctx.Done():
					return
				case <-time.After(time.Until(due)):
				}
				id := p.runID + "-" + strconv.FormatInt(k, 10)
				buf = appendSend(buf[:0], rooms[k%int64(len(rooms))], id, time.Now().UnixNano())
				if err := ws.writeFrame(buf); err != nil {
					p.errs.add("send_write", err.Error())
					return
				}
				p.sent.Add(1)
			}
		}()
	}
	wg.Wait()
}

// waitAcks waits until every sent message was acked or refused, or ctx ends.
func (p *publishers) waitAcks(ctx context.Context) {
	for p.nAcked.Load()+p.nErrors.Load() < p.sent.Load() {
		select {
		case <-ctx.Done():
			return
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// ackedSeqs returns a copy of the acked seqs per room.
func (p *publishers) ackedSeqs() map[string][]int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := make(map[string][]int64, len(p.acked))
	for k, v := range p.acked {
		m[k] = append([]int64(nil), v...)
	}
	return m
}

func (p *publishers) close() {
	for i, ws := range p.conns {
		ws.close()
		<-p.done[i]
	}
}

package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// maxPublishesInFlight bounds concurrent HTTP publishes to Centrifugo: a
// backend publishes over a pool of keep-alive connections.
const maxPublishesInFlight = 64

// cfAPI is Centrifugo's server HTTP API.
type cfAPI struct {
	url string // …/api/publish
	key string
	hc  *http.Client
}

// newCentrifugoPublishers returns publishers that post through the HTTP
// API instead of WebSocket connections.
func newCentrifugoPublishers(runID, base, apiKey string, d *dialers, srcIP string) *publishers {
	nd := d.dialer(srcIP)
	hc := &http.Client{Timeout: RequestTimeout, Transport: &http.Transport{DialContext: nd.DialContext,
		MaxIdleConnsPerHost: maxPublishesInFlight, IdleConnTimeout: 30 * time.Second}}
	return &publishers{runID: runID, acked: map[string][]int64{},
		cf: &cfAPI{url: strings.TrimRight(base, "/") + "/api/publish", key: apiKey, hc: hc}}
}

// runHTTP sends rate publications per second for d: publication k goes to
// channel k%len(channels). One publish per channel is out at a time, and
// a channel's seqs are numbered in the order they go out: concurrent
// publishes to one channel could overtake each other, which would be the
// tool's disorder, not the server's.
func (p *publishers) runHTTP(ctx context.Context, channels []string, rate float64, start time.Time, total int64) {
	n := int64(len(channels))
	type channelSeq struct {
		mu   sync.Mutex
		last int64
	}
	seqs := make([]channelSeq, n)
	sem := make(chan struct{}, maxPublishesInFlight)
	var wg sync.WaitGroup
	for k := int64(0); k < total; k++ {
		due := start.Add(time.Duration(float64(k) / rate * float64(time.Second)))
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case <-time.After(time.Until(due)):
		}
		sem <- struct{}{}
		wg.Add(1)
		p.sent.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			cs := &seqs[k%n]
			cs.mu.Lock()
			defer cs.mu.Unlock()
			cs.last++
			p.publish(ctx, int(k), channels[k%n], cs.last)
		}()
	}
	wg.Wait()
}

func (p *publishers) publish(ctx context.Context, k int, channel string, seq int64) {
	sent := time.Now().UnixNano()
	body := append([]byte(`{"channel":"`), channel...)
	body = append(body, `","data":`...)
	body = append(appendCfData(body, p.runID, seq, sent), '}')
	if err := p.cf.post(ctx, body); err != nil {
		p.errs.add("publish", err.Error())
		p.nErrors.Add(1)
		return
	}
	if p.from.timed(sent) {
		p.lat.Record(k, time.Now().UnixNano()-sent)
	}
	p.mu.Lock()
	p.acked[channel] = append(p.acked[channel], seq)
	p.mu.Unlock()
	p.nAcked.Add(1)
}

// post calls /api/publish; an answer with an error fails.
func (a *cfAPI) post(ctx context.Context, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-API-Key", a.key)
	resp, err := a.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("publish: HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(b))
	}
	if e := cfReplyError(b); e != "" {
		return fmt.Errorf("publish: %s", e)
	}
	return nil
}

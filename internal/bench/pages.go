package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/open-chat/openchat/internal/cputime"
)

// ScenarioPages: --conns HTTP clients (keep-alive) read the first room's
// latest page of PageLimit messages for --duration, as wrk did in earlier
// rounds: requests/s and latency, with the server's and this tool's CPU.
const ScenarioPages = "pages"

// PageLimit is the page size the pages scenario reads: the cache's default
// size, so a cached room serves it whole.
const PageLimit = 50

// pagesSeed is how many messages the room gets before the run.
const pagesSeed = 200

// runPages is Run for ScenarioPages; s holds what Run measured so far.
func runPages(ctx context.Context, c Config, a *api, smp sampler, s Summary, log *slog.Logger) (Summary, error) {
	tokens, _, rooms, err := setup(ctx, a, c.UserPrefix, c.Users, c.RoomPrefix, c.Rooms)
	if err != nil {
		return s, err
	}
	path := "/api/v1/rooms/" + rooms[0] + "/messages"
	if err := seedRoom(ctx, a, tokens, path); err != nil {
		return s, err
	}
	hc := &http.Client{Timeout: RequestTimeout, Transport: &http.Transport{
		MaxIdleConnsPerHost: c.Conns, MaxConnsPerHost: c.Conns, IdleConnTimeout: 30 * time.Second}}
	url := a.base + path + fmt.Sprintf("?limit=%d", PageLimit)
	before, err := smp.sample(ctx)
	if err != nil {
		return s, err
	}
	var (
		lat  Recorder
		ok   atomic.Int64
		errs errorTally
	)
	rctx, cancel := context.WithTimeout(ctx, c.Duration)
	defer cancel()
	cpu0, start := cputime.Process(), time.Now()
	var wg sync.WaitGroup
	for i := range c.Conns {
		token := tokens[i%len(tokens)]
		wg.Go(func() {
			for rctx.Err() == nil {
				t0 := time.Now()
				code, err := getPage(rctx, hc, url, token)
				switch {
				case rctx.Err() != nil:
				case err != nil:
					errs.add(fmt.Sprintf("http_%d", code), err.Error())
				case code != http.StatusOK:
					errs.add(fmt.Sprintf("http_%d", code), http.StatusText(code))
				default:
					ok.Add(1)
					lat.Record(i, int64(time.Since(t0)))
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	after, err := smp.sample(ctx)
	if err != nil {
		return s, err
	}
	secs := elapsed.Seconds()
	s.Established, s.Seconds = c.Conns, secs
	s.Acked, s.AckedPerSec = ok.Load(), float64(ok.Load())/secs
	s.Latency = percentiles(lat.Snapshot())
	errs.report(&s, log)
	s.ServerRSSAfter, s.ServerGoroutines = after.RSS, after.Goroutines
	s.setCPU(before, after, secs, c.DBPID > 0)
	s.ToolCPU = 100 * (cputime.Process() - cpu0) / secs
	s.Time = time.Now().UTC().Format(time.RFC3339)
	return s, nil
}

// seedRoom posts messages until the room holds pagesSeed, spread over the
// users so that no one meets the posts limit.
func seedRoom(ctx context.Context, a *api, tokens []string, path string) error {
	var page struct {
		Messages []struct {
			Seq int64 `json:"seq"`
		} `json:"messages"`
	}
	if _, err := a.do(ctx, "", http.MethodGet, path+"?limit=1", tokens[0], nil, &page); err != nil {
		return err
	}
	have := 0
	if len(page.Messages) > 0 {
		have = int(page.Messages[0].Seq)
	}
	for i := have; i < pagesSeed; i++ {
		body := map[string]string{"body": fmt.Sprintf("seed message %d: some text of a usual length for a chat line", i)}
		if _, err := a.do(ctx, "", http.MethodPost, path, tokens[i%len(tokens)], body, nil); err != nil {
			return err
		}
	}
	return nil
}

func getPage(ctx context.Context, hc *http.Client, url, token string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, err
}

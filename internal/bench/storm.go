package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
)

// StormConfig is the storm scenario's part of a Config.
type StormConfig struct {
	DropAfter time.Duration // connected and receiving this long before the drop
	Window    time.Duration // reconnects spread over it
	Resume    string        // "seq" (after_seq) or "change" (after_change)
	Tail      time.Duration // publishing goes on this long after the last reconnect
	// GiveUp ends the storm's count of a connection not back this long
	// after the drop (0: 3 × Window + 1 min); it goes on redialling.
	GiveUp time.Duration
}

func (sc StormConfig) validate(rate float64) error {
	switch {
	case rate <= 0:
		return errors.New("storm needs --rate: messages flow through the storm")
	case sc.Window <= 0 || sc.DropAfter < 0:
		return errors.New("storm needs --window > 0 and --drop-after ≥ 0")
	case sc.Resume != "seq" && sc.Resume != "change":
		return fmt.Errorf("--resume %q: want seq or change", sc.Resume)
	}
	return nil
}

// StormStats is what the storm scenario measured, from the drop until
// every connection was subscribed again. Operation counts come from the
// servers' /metrics (--metrics-url), net of what the posting alone cost
// in the same time (measured before the drop), per reconnect.
type StormStats struct {
	Window   float64 `json:"window_s"`
	Resume   string  `json:"resume"`
	Dropped  int     `json:"dropped"`
	Resumed  int     `json:"resumed"`
	GaveUp   int     `json:"gave_up"`
	Attempts int64   `json:"attempts"`
	// At is when connections were subscribed again, since the drop: p50,
	// p99 and max (100 %).
	At      Percentiles `json:"resubscribed_at_ms"`
	Latency Percentiles `json:"reconnect_ms"` // the successful attempt, dial to subscribed
	Seconds float64     `json:"seconds"`      // drop to the last resubscribe
	// ServerCPU is the servers' CPU over Seconds, ServerCPUPerReconnect
	// their CPU time per reconnect (ms), ToolCPU the tool's workers'.
	ServerCPU             float64            `json:"server_cpu_percent"`
	ServerCPUPerReconnect float64            `json:"server_cpu_ms_per_reconnect"`
	ToolCPU               float64            `json:"tool_cpu_percent"`
	StoreOps              map[string]float64 `json:"store_ops_per_reconnect,omitempty"`
	StoreOpsTotal         float64            `json:"store_ops_per_reconnect_total"`
	RedisOps              map[string]float64 `json:"redis_ops_per_reconnect,omitempty"`
	RedisErrors           float64            `json:"redis_errors"`
	Errors                map[string]int64   `json:"errors,omitempty"`
	Samples               []string           `json:"error_samples,omitempty"`
}

// Metric series the storm reads, by label.
const (
	metricStoreOps    = "openchat_store_operation_duration_seconds_count"
	metricRedisOps    = "openchat_redis_command_duration_seconds_count"
	metricRedisErrors = "openchat_redis_errors_total"
)

// storm runs the storm scenario's measured phase: publishing throughout,
// the drop after DropAfter, until every worker has reconnected, then Tail.
func (c Config) storm(ctx context.Context, workers []workerHandle, pubs *publishers, rooms []string, smp sampler) (*StormStats, error) {
	sc := c.Storm
	pctx, stopPub := context.WithCancel(ctx)
	pubDone := make(chan struct{})
	go func() { defer close(pubDone); pubs.run(pctx, rooms, c.Rate, time.Now(), math.MaxInt64) }() // until the storm ends
	defer func() { stopPub(); <-pubDone }()

	// The baseline: what the posting alone costs the servers per second.
	sleep(ctx, min(time.Second, sc.DropAfter/2))
	base0, t0 := c.opCounts(ctx, smp), time.Now()
	sleep(ctx, time.Until(t0.Add(sc.DropAfter-min(time.Second, sc.DropAfter/2))))
	base1, cpu0 := c.opCounts(ctx, smp), mustSample(ctx, smp)
	baseSecs := time.Since(t0).Seconds()

	drop := time.Now()
	giveUp := sc.GiveUp
	if giveUp <= 0 {
		giveUp = 3*sc.Window + time.Minute
	}
	cmd := StormCmd{Drop: drop.UnixNano(), Window: sc.Window, Resume: sc.Resume, Deadline: giveUp}
	reps := make([]StormReport, len(workers))
	errs := make([]error, len(workers))
	var wg sync.WaitGroup
	for k, w := range workers {
		wg.Go(func() { reps[k], errs[k] = w.Storm(ctx, cmd) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	st := &StormStats{Window: sc.Window.Seconds(), Resume: sc.Resume}
	var at, lat Hist
	var toolCPU float64
	for _, r := range reps {
		st.Dropped += r.Dropped
		st.Resumed += r.Resumed
		st.GaveUp += r.GaveUp
		st.Attempts += r.Attempts
		at.Merge(r.At)
		lat.Merge(r.Latency)
		st.Errors = mergeErrors(st.Errors, r.Errors)
		st.Samples = append(st.Samples, r.Samples...)
		toolCPU += r.CPU
	}
	end := drop.Add(time.Duration(at.Max))
	st.Seconds = end.Sub(drop).Seconds()
	cpu1, stormSecs := mustSample(ctx, smp), time.Since(drop).Seconds()
	storm1 := c.opCounts(ctx, smp)
	st.At, st.Latency = percentiles(at), percentiles(lat)
	st.ServerCPU = 100 * (cpu1.CPU - cpu0.CPU) / stormSecs
	st.ToolCPU = 100 * toolCPU / stormSecs
	if n := float64(st.Resumed); n > 0 {
		st.ServerCPUPerReconnect = 1000 * (cpu1.CPU - cpu0.CPU) / n
		st.StoreOps, st.StoreOpsTotal = perReconnect(base0[metricStoreOps], base1[metricStoreOps], storm1[metricStoreOps], baseSecs, stormSecs, n)
		st.RedisOps, _ = perReconnect(base0[metricRedisOps], base1[metricRedisOps], storm1[metricRedisOps], baseSecs, stormSecs, n)
	}
	for _, v := range storm1[metricRedisErrors] {
		st.RedisErrors += v
	}
	for _, v := range base1[metricRedisErrors] {
		st.RedisErrors -= v
	}
	sleep(ctx, sc.Tail)
	return st, nil
}

func mustSample(ctx context.Context, smp sampler) serverSample {
	x, _ := smp.servers(ctx)
	return x
}

// perReconnect is, per op, what the storm interval added over the
// baseline's rate, divided by n reconnects; ops under 0.01 are left out.
func perReconnect(b0, b1, s1 map[string]float64, baseSecs, stormSecs, n float64) (map[string]float64, float64) {
	out := map[string]float64{}
	var total float64
	for op, v := range s1 {
		rate := 0.0
		if baseSecs > 0 {
			rate = (b1[op] - b0[op]) / baseSecs
		}
		per := (v - b1[op] - rate*stormSecs) / n
		if per >= 0.01 {
			out[op] = per
			total += per
		}
	}
	return out, total
}

// opCounts reads the servers' per-op counters (summed over instances), by
// metric and label value; empty without --metrics-url.
func (c Config) opCounts(ctx context.Context, smp sampler) map[string]map[string]float64 {
	out := map[string]map[string]float64{}
	for _, u := range c.MetricsURLs {
		err := smp.scrape(ctx, u, func(sc *bufio.Scanner) error {
			for sc.Scan() {
				for _, m := range []string{metricStoreOps, metricRedisOps, metricRedisErrors} {
					if label, v, ok := labelledSample(sc.Text(), m); ok {
						if out[m] == nil {
							out[m] = map[string]float64{}
						}
						out[m][label] += v
					}
				}
			}
			return sc.Err()
		})
		if err != nil {
			return out
		}
	}
	return out
}

// labelledSample parses `name{labels} value` and returns the labels as
// written (e.g. op="Head") and the value.
func labelledSample(line, name string) (string, float64, bool) {
	rest, ok := strings.CutPrefix(line, name+"{")
	if !ok {
		return "", 0, false
	}
	labels, val, ok := strings.Cut(rest, "} ")
	if !ok {
		return "", 0, false
	}
	var v float64
	if _, err := fmt.Sscan(val, &v); err != nil {
		return "", 0, false
	}
	return labels, v, true
}

// line is the storm's part of the summary line.
func (st *StormStats) line() []string {
	kv := []string{fmt.Sprintf("resumed=%d/%d", st.Resumed, st.Dropped), fmt.Sprintf("gave_up=%d", st.GaveUp),
		fmt.Sprintf("attempts=%d", st.Attempts),
		"resub_p50=" + fmtMs(st.At.P50), "resub_p99=" + fmtMs(st.At.P99), "resub_100=" + fmtMs(st.At.Max),
		"reconnect_p50=" + fmtMs(st.Latency.P50), "reconnect_p99=" + fmtMs(st.Latency.P99),
		"storm_server_cpu=" + fmtF(st.ServerCPU, 1) + "%", "cpu/reconnect=" + fmtF(st.ServerCPUPerReconnect, 2) + "ms",
		"store_ops/reconnect=" + fmtF(st.StoreOpsTotal, 2)}
	if len(st.StoreOps) > 0 {
		kv = append(kv, "store_ops="+fmtOps(st.StoreOps))
	}
	if len(st.RedisOps) > 0 {
		kv = append(kv, "redis_ops="+fmtOps(st.RedisOps))
	}
	kv = append(kv, "redis_errors="+fmtF(st.RedisErrors, 0))
	return kv
}

// fmtOps lists per-reconnect op counts, e.g. Head:1.00,Messages:0.50.
func fmtOps(m map[string]float64) string {
	l := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		_, v, _ := strings.Cut(k, "=") // op="Head", cmd="pipeline"
		name := strings.Trim(v, `"`)
		l = append(l, name+":"+fmtF(m[k], 2))
	}
	return strings.Join(l, ",")
}

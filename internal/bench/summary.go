package bench

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Summary is the outcome of one run, printed as one line or one JSON object.
// Latencies are in milliseconds, memory in bytes unless named otherwise.
type Summary struct {
	Scenario    string `json:"scenario"`
	Conns       int    `json:"conns"` // asked for
	Established int    `json:"established"`
	Failed      int    `json:"failed"`
	Dropped     int    `json:"dropped"`
	Rooms       int    `json:"rooms"`
	Procs       int    `json:"procs"`

	Seconds        float64 `json:"seconds"`                  // length of the measured phase
	Warmup         float64 `json:"warmup_seconds,omitempty"` // fanout: publishing before it, not timed
	Rate           float64 `json:"rate,omitempty"`
	Published      int64   `json:"published,omitempty"`
	Acked          int64   `json:"acked,omitempty"`
	AckedPerSec    float64 `json:"acked_per_sec,omitempty"`
	Deliveries     int64   `json:"deliveries,omitempty"`
	DeliveriesPerS float64 `json:"deliveries_per_sec,omitempty"`
	Expected       int64   `json:"expected,omitempty"`
	Lost           int64   `json:"lost"`
	// LostDropped is the part of Lost on connections that were down at the
	// run's stop: closed by the server or the network and not dialled
	// again, or given up on by a storm's reconnects. A message sent after
	// such an end never had a socket to reach.
	LostDropped int64 `json:"lost_dropped,omitempty"`
	// Reopened counts the storm's connections that came back through a
	// background redial: closed by the server (their closes are in Errors
	// as closed_CODE) or not back by the storm's deadline (gave_up). Those
	// still down at the stop are in Dropped.
	Reopened   int   `json:"reopened,omitempty"`
	Dup        int64 `json:"dup"`
	OutOfOrder int64 `json:"out_of_order"`
	Foreign    int64 `json:"foreign,omitempty"`
	Pongs      int64 `json:"pongs,omitempty"`
	// Edits and reactions made during a fan-out (--edit-rate, --react-rate):
	// accepted by the server, frames the subscribers should get, frames
	// they got.
	Edits              int64 `json:"edits,omitempty"`
	EditsExpected      int64 `json:"edits_expected,omitempty"`
	EditDeliveries     int64 `json:"edit_deliveries,omitempty"`
	Reactions          int64 `json:"reactions,omitempty"`
	ReactionsExpected  int64 `json:"reactions_expected,omitempty"`
	ReactionDeliveries int64 `json:"reaction_deliveries,omitempty"`

	Latency    Percentiles      `json:"latency_ms"`               // delivery (fanout) or ack (ingest)
	AckLatency *Percentiles     `json:"ack_latency_ms,omitempty"` // fanout: publishers' acks
	Fsync      *Percentiles     `json:"fsync_ms,omitempty"`       // --fsync-dir: the disk's flushes
	Errors     map[string]int64 `json:"errors,omitempty"`
	Storm      *StormStats      `json:"storm,omitempty"`

	ServerRSSFresh   int64   `json:"server_rss_fresh"`        // before setup
	ServerRSSSetup   int64   `json:"server_rss_setup"`        // after sign-ups, before connecting
	ServerRSSAfter   int64   `json:"server_rss_after"`        // end of the measured phase
	ServerRSSPerConn float64 `json:"server_rss_per_conn_kib"` // (after - fresh) / established
	// ServerRSSPerConnSetup leaves out what the setup's password hashing
	// left in the server's heap: (after - setup) / established.
	ServerRSSPerConnSetup float64  `json:"server_rss_per_conn_since_setup_kib"`
	ServerGoroutines      int64    `json:"server_goroutines,omitempty"`
	ServerCPU             float64  `json:"server_cpu_percent"`
	ToolCPU               float64  `json:"tool_cpu_percent"`
	DBCPU                 *float64 `json:"db_cpu_percent,omitempty"` // --db-pid
	Time                  string   `json:"time"`
}

// Percentiles summarize a latency histogram, in milliseconds.
type Percentiles struct {
	N    uint64  `json:"n"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
}

func percentiles(h Hist) Percentiles {
	ms := func(ns int64) float64 { return float64(ns) / float64(time.Millisecond) }
	return Percentiles{N: h.N, P50: ms(h.Quantile(0.50)), P90: ms(h.Quantile(0.90)), P99: ms(h.Quantile(0.99)),
		Max: ms(h.Max), Mean: h.Mean() / float64(time.Millisecond)}
}

// setCPU sets the servers' and the database's CPU, in % of one core, over
// a measured phase of secs between two samples (the database's if db).
func (s *Summary) setCPU(before, after serverSample, secs float64, db bool) {
	s.ServerCPU = 100 * (after.CPU - before.CPU) / secs
	if db {
		db := 100 * (after.DBCPU - before.DBCPU) / secs
		s.DBCPU = &db
	}
}

// rssPerConnKiB is the growth of server memory per connection.
func rssPerConnKiB(before, after int64, conns int) float64 {
	if conns <= 0 {
		return 0
	}
	return float64(after-before) / float64(conns) / 1024
}

// fmtMs prints a latency with about three significant digits.
func fmtMs(ms float64) string {
	switch {
	case ms < 10:
		return strconv.FormatFloat(ms, 'f', 2, 64) + "ms"
	case ms < 100:
		return strconv.FormatFloat(ms, 'f', 1, 64) + "ms"
	default:
		return strconv.FormatFloat(ms, 'f', 0, 64) + "ms"
	}
}

func fmtF(f float64, prec int) string { return strconv.FormatFloat(f, 'f', prec, 64) }

// Line is the one-line summary: key=value pairs, the common ones first.
func (s Summary) Line() string {
	kv := []string{"scenario=" + s.Scenario, fmt.Sprintf("conns=%d", s.Established)}
	if s.Failed > 0 {
		kv = append(kv, fmt.Sprintf("failed=%d", s.Failed))
	}
	kv = append(kv, fmt.Sprintf("dropped=%d", s.Dropped), fmt.Sprintf("rooms=%d", s.Rooms))
	lat := func() {
		kv = append(kv, "p50="+fmtMs(s.Latency.P50), "p90="+fmtMs(s.Latency.P90), "p99="+fmtMs(s.Latency.P99),
			"max="+fmtMs(s.Latency.Max))
	}
	switch s.Scenario {
	case ScenarioFanout:
		if s.Warmup > 0 {
			kv = append(kv, "warmup="+time.Duration(s.Warmup*float64(time.Second)).String())
		}
		kv = append(kv, "msgs/s="+fmtF(s.AckedPerSec, 1), "deliveries/s="+fmtF(s.DeliveriesPerS, 0))
		lat()
		kv = append(kv, fmt.Sprintf("lost=%d", s.Lost), fmt.Sprintf("dup=%d", s.Dup), fmt.Sprintf("ooo=%d", s.OutOfOrder))
		if s.Edits+s.Reactions > 0 {
			kv = append(kv, fmt.Sprintf("edits=%d", s.Edits), fmt.Sprintf("edit_frames=%d/%d", s.EditDeliveries, s.EditsExpected),
				fmt.Sprintf("reactions=%d", s.Reactions), fmt.Sprintf("reaction_frames=%d/%d", s.ReactionDeliveries, s.ReactionsExpected))
		}
	case ScenarioStorm:
		kv = append(kv, "msgs/s="+fmtF(s.AckedPerSec, 1))
		lat()
		kv = append(kv, fmt.Sprintf("lost=%d", s.Lost), fmt.Sprintf("lost_dropped=%d", s.LostDropped), fmt.Sprintf("dup=%d", s.Dup),
			fmt.Sprintf("ooo=%d", s.OutOfOrder), fmt.Sprintf("reopened=%d", s.Reopened))
		if st := s.Storm; st != nil {
			kv = append(kv, st.line()...)
		}
	case ScenarioIngest:
		kv = append(kv, "acked/s="+fmtF(s.AckedPerSec, 0))
		lat()
	case ScenarioPages:
		kv = append(kv, "req/s="+fmtF(s.AckedPerSec, 0))
		lat()
	}
	if len(s.Errors) > 0 {
		kv = append(kv, "errors="+fmtErrors(s.Errors))
	}
	if f := s.Fsync; f != nil {
		kv = append(kv, "fsync_p50="+fmtMs(f.P50), "fsync_p99="+fmtMs(f.P99), "fsync_max="+fmtMs(f.Max))
	}
	kv = append(kv, "server_rss/conn="+fmtF(s.ServerRSSPerConn, 1)+"KiB",
		"since_setup="+fmtF(s.ServerRSSPerConnSetup, 1)+"KiB",
		"server_rss="+fmtF(float64(s.ServerRSSFresh)/(1<<20), 0)+"MiB/"+fmtF(float64(s.ServerRSSAfter)/(1<<20), 0)+"MiB",
		"server_cpu="+fmtF(s.ServerCPU, 1)+"%", "tool_cpu="+fmtF(s.ToolCPU, 1)+"%")
	if s.DBCPU != nil {
		kv = append(kv, "db_cpu="+fmtF(*s.DBCPU, 1)+"%")
	}
	return strings.Join(kv, " ")
}

// fmtErrors lists error counts by code, e.g. rate_limited:12,closed_1008:1.
func fmtErrors(m map[string]int64) string {
	l := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		l = append(l, k+":"+strconv.FormatInt(m[k], 10))
	}
	return strings.Join(l, ",")
}

func mergeErrors(dst, src map[string]int64) map[string]int64 {
	if len(src) == 0 {
		return dst
	}
	if dst == nil {
		dst = map[string]int64{}
	}
	for k, v := range src {
		dst[k] += v
	}
	return dst
}

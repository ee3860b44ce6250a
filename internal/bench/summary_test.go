package bench

import (
	"bufio"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestSummaryLine(t *testing.T) {
	base := Summary{Established: 1000, Rooms: 1, ServerRSSFresh: 62 << 20, ServerRSSAfter: 100 << 20,
		ServerRSSPerConn: 38.9, ServerRSSPerConnSetup: 20, ServerCPU: 12.34, ToolCPU: 5.06,
		Latency: Percentiles{P50: 0.321, P90: 12.34, P99: 157.4, Max: 1234.6}}
	tests := []struct {
		name string
		mod  func(s *Summary)
		want string
	}{
		{"fanout", func(s *Summary) {
			s.Scenario, s.AckedPerSec, s.DeliveriesPerS, s.Lost, s.Dup = ScenarioFanout, 10, 9999.6, 0, 2
		}, "scenario=fanout conns=1000 dropped=0 rooms=1 msgs/s=10.0 deliveries/s=10000 p50=0.32ms p90=12.3ms " +
			"p99=157ms max=1235ms lost=0 dup=2 ooo=0 server_rss/conn=38.9KiB since_setup=20.0KiB server_rss=62MiB/100MiB server_cpu=12.3% tool_cpu=5.1%"},
		{"idle with failures", func(s *Summary) {
			s.Scenario, s.Failed, s.Dropped = ScenarioIdle, 3, 1
		}, "scenario=idle conns=1000 failed=3 dropped=1 rooms=1 server_rss/conn=38.9KiB since_setup=20.0KiB server_rss=62MiB/100MiB server_cpu=12.3% tool_cpu=5.1%"},
		{"ingest with errors", func(s *Summary) {
			s.Scenario, s.AckedPerSec, s.Errors = ScenarioIngest, 1234.4, map[string]int64{"rate_limited": 2, "x": 1}
		}, "scenario=ingest conns=1000 dropped=0 rooms=1 acked/s=1234 p50=0.32ms p90=12.3ms p99=157ms max=1235ms errors=rate_limited:2,x:1 " +
			"server_rss/conn=38.9KiB since_setup=20.0KiB server_rss=62MiB/100MiB server_cpu=12.3% tool_cpu=5.1%"},
		{"ingest with the disk probe", func(s *Summary) {
			s.Scenario, s.AckedPerSec, s.Fsync = ScenarioIngest, 1234.4, &Percentiles{N: 400, P50: 0.61, P99: 45.57, Max: 157.9}
		}, "scenario=ingest conns=1000 dropped=0 rooms=1 acked/s=1234 p50=0.32ms p90=12.3ms p99=157ms max=1235ms " +
			"fsync_p50=0.61ms fsync_p99=45.6ms fsync_max=158ms " +
			"server_rss/conn=38.9KiB since_setup=20.0KiB server_rss=62MiB/100MiB server_cpu=12.3% tool_cpu=5.1%"},
		{"ingest with the database's CPU", func(s *Summary) {
			s.Scenario, s.AckedPerSec = ScenarioIngest, 1234.4
			s.setCPU(serverSample{CPU: 10, DBCPU: 100}, serverSample{CPU: 12.5, DBCPU: 101.5}, 20, true)
		}, "scenario=ingest conns=1000 dropped=0 rooms=1 acked/s=1234 p50=0.32ms p90=12.3ms p99=157ms max=1235ms " +
			"server_rss/conn=38.9KiB since_setup=20.0KiB server_rss=62MiB/100MiB server_cpu=12.5% tool_cpu=5.1% db_cpu=7.5%"},
		{"no database given", func(s *Summary) {
			s.Scenario, s.AckedPerSec = ScenarioIngest, 1234.4
			s.setCPU(serverSample{CPU: 10, DBCPU: 100}, serverSample{CPU: 12.5, DBCPU: 101.5}, 20, false)
		}, "scenario=ingest conns=1000 dropped=0 rooms=1 acked/s=1234 p50=0.32ms p90=12.3ms p99=157ms max=1235ms " +
			"server_rss/conn=38.9KiB since_setup=20.0KiB server_rss=62MiB/100MiB server_cpu=12.5% tool_cpu=5.1%"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := base
			tt.mod(&s)
			if got := s.Line(); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			if _, err := json.Marshal(s); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestPercentilesAndRSS(t *testing.T) {
	var h Hist
	for i := 1; i <= 100; i++ {
		h.Add(int64(i) * int64(time.Millisecond))
	}
	p := percentiles(h)
	if p.N != 100 || p.P50 < 50 || p.P50 > 50.5 || p.P99 < 99 || p.P99 > 99.8 || p.Max != 100 {
		t.Errorf("%+v", p)
	}
	if got := rssPerConnKiB(10<<20, 20<<20, 1024); got != 10 {
		t.Errorf("rss/conn = %v, want 10", got)
	}
	if got := rssPerConnKiB(1, 2, 0); got != 0 {
		t.Errorf("rss/conn with no conns = %v", got)
	}
}

func TestParseMetricsAndProc(t *testing.T) {
	text := "# HELP x\nprocess_resident_memory_bytes 6.5011712e+07\nprocess_cpu_seconds_total 1.5\n" +
		"go_goroutines 12\nhttp_requests_total{code=\"200\"} 5\nbroken\n"
	m, err := parseMetrics(bufio.NewScanner(strings.NewReader(text)))
	if err != nil {
		t.Fatal(err)
	}
	if m["process_resident_memory_bytes"] != 65011712 || m["process_cpu_seconds_total"] != 1.5 || m["go_goroutines"] != 12 || len(m) != 3 {
		t.Errorf("%v", m)
	}
	stat := "1234 (open chat) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 9 0"
	rss, cpu, err := parseProc(stat, "1000 300 10 0 0 0 0", 4096)
	if err != nil || rss != 300*4096 || cpu != 3 {
		t.Errorf("rss=%d cpu=%v err=%v", rss, cpu, err)
	}
	if _, _, err := parseProc("garbage", "", 4096); err == nil {
		t.Error("want an error for garbage")
	}
}

func TestFrames(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"type":"message","message":{"body":"{\"type\":\"x\"}"}}`, "message"},
		{`{ "type" : "pong" }`, "pong"},
		{`{"type":"ack"}`, "ack"},
		{`not json`, ""},
	}
	for _, tt := range tests {
		if got := frameType([]byte(tt.in)); got != tt.want {
			t.Errorf("frameType(%s) = %q, want %q", tt.in, got, tt.want)
		}
	}
	b := appendSend(nil, "r1", "b1-7", 1234)
	var f struct{ Type, RoomID, ClientID, Body string }
	if err := json.Unmarshal(b, &struct {
		Type     *string `json:"type"`
		RoomID   *string `json:"room_id"`
		ClientID *string `json:"client_id"`
		Body     *string `json:"body"`
	}{&f.Type, &f.RoomID, &f.ClientID, &f.Body}); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	if f.Type != "send" || f.RoomID != "r1" || f.ClientID != "b1-7" {
		t.Errorf("%+v", f)
	}
	if ts, ok := bodyTime(f.Body); !ok || ts != 1234 {
		t.Errorf("bodyTime(%q) = %d, %v", f.Body, ts, ok)
	}
	for _, bad := range []string{"", "bench ", "hello 12", "bench x"} {
		if _, ok := bodyTime(bad); ok {
			t.Errorf("bodyTime(%q) ok", bad)
		}
	}
}

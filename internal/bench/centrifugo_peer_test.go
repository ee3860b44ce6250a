package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/testenv"
)

// startCentrifugo runs the real centrifugo binary with the config the tool
// writes (with history and recovery for the storm). Without the binary
// (go install github.com/centrifugal/centrifugo/v6@v6.9.1) it skips, or
// fails in CI (CI=true, or OPENCHAT_TEST_REQUIRE_CENTRIFUGO, which .ci/run sets).
func startCentrifugo(t *testing.T, secret, apiKey string, recovery bool) string {
	t.Helper()
	bin, err := exec.LookPath("centrifugo")
	if err != nil {
		testenv.Missing(t, "OPENCHAT_TEST_REQUIRE_CENTRIFUGO", "centrifugo is not installed (go install github.com/centrifugal/centrifugo/v6@v6.9.1)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	cfg := filepath.Join(t.TempDir(), "config.json")
	if err := WriteCentrifugoConfig(cfg, CentrifugoOptions{Secret: secret, APIKey: apiKey, Port: port, Recovery: recovery}); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--config", cfg)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for i := 0; ; i++ {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			_ = c.Close()
			break
		}
		if i == 100 {
			t.Fatalf("centrifugo did not listen on %s: %v", addr, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return "http://" + addr
}

// TestCentrifugoPeer runs the fan-out, idle and storm scenarios against a
// real Centrifugo: every publication reaches every subscriber of its
// channel, a storm's clients recover what they missed while down, and a
// wrong secret fails to connect.
func TestCentrifugoPeer(t *testing.T) {
	urls := map[bool]string{false: startCentrifugo(t, "peer-secret", "peer-key", false),
		true: startCentrifugo(t, "peer-secret", "peer-key", true)}
	base := Config{Target: TargetCentrifugo, Conns: 12, Rooms: 3, Users: 4, Procs: 1, Ramp: 1000,
		Duration: 500 * time.Millisecond, Hold: 300 * time.Millisecond, Grace: 3 * time.Second, Rate: 20,
		UserPrefix: "u", RoomPrefix: "r", CentrifugoSecret: "peer-secret", CentrifugoAPIKey: "peer-key"}
	tests := []struct {
		name       string
		scenario   string
		secret     string
		procs      int
		deliveries int64
		wantErr    bool
		warmup     bool // 225 ms before the measured phase: 5 more publications, not timed, in the slow log neither
	}{
		// 10 publications over 3 channels (4, 3, 3), 4 subscribers each.
		{name: "fanout", scenario: ScenarioFanout, deliveries: 40},
		{name: "fanout in 2 processes", scenario: ScenarioFanout, procs: 2, deliveries: 40},
		{name: "fanout with a warm-up in 2 processes", scenario: ScenarioFanout, procs: 2, deliveries: 60, warmup: true},
		{name: "idle", scenario: ScenarioIdle},
		{name: "wrong secret", scenario: ScenarioIdle, secret: "not-the-secret", wantErr: true},
		// Every client is down for a random part of a 1-s window while
		// 20 msg/s go out: without recovery most would lose some.
		{name: "storm", scenario: ScenarioStorm},
		{name: "storm in 2 processes", scenario: ScenarioStorm, procs: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base
			c.Scenario = tt.scenario
			c.URLs = []string{urls[tt.scenario == ScenarioStorm]}
			if tt.scenario == ScenarioStorm {
				c.Storm = StormConfig{DropAfter: time.Second, Window: time.Second, Resume: "seq", Tail: 300 * time.Millisecond}
			}
			if tt.secret != "" {
				c.CentrifugoSecret = tt.secret
			}
			if tt.procs > 0 {
				c.Procs, c.Exe = tt.procs, os.Args[0]
			}
			if tt.warmup {
				c.Warmup = 225 * time.Millisecond // between the 5th publication (200 ms) and the 6th (250 ms)
				c.SlowLog, c.SlowOver = filepath.Join(t.TempDir(), "slow"), time.Nanosecond
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			// Centrifugo has no /metrics here: read this process's
			// figures instead, which only the summary uses.
			c.ServerPIDs = []int{os.Getpid()}
			s, err := Run(ctx, c, io.Discard, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if tt.wantErr {
				if err == nil {
					t.Fatalf("connected with a wrong secret: %s", s.Line())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			t.Log(s.Line())
			if s.Established != c.Conns || s.Dropped != 0 || s.Failed != 0 {
				t.Errorf("established=%d dropped=%d failed=%d", s.Established, s.Dropped, s.Failed)
			}
			if s.Lost != 0 || s.Dup != 0 || s.OutOfOrder != 0 || s.Foreign != 0 {
				t.Errorf("lost=%d dup=%d ooo=%d foreign=%d", s.Lost, s.Dup, s.OutOfOrder, s.Foreign)
			}
			if tt.scenario == ScenarioStorm {
				// A publish whose answer the tool lost (cut at the run's end,
				// or timed out on a loaded machine) is not expected, but
				// Centrifugo may have applied it: then each subscriber of its
				// channel receives it on top of the expected deliveries. Any
				// other kind of error fails the test.
				failed := s.Errors["publish"]
				extra := failed * int64(c.Conns/c.Rooms)
				if st := s.Storm; st == nil || st.Resumed != c.Conns || st.GaveUp != 0 || s.Expected == 0 ||
					s.Deliveries < s.Expected || s.Deliveries > s.Expected+extra || int64(len(s.Errors)) > min(failed, 1) {
					t.Errorf("storm %+v: deliveries=%d expected=%d errors=%v", st, s.Deliveries, s.Expected, s.Errors)
				}
			}
			if tt.scenario == ScenarioFanout {
				msgs, timed, late := int64(10), uint64(tt.deliveries), uint64(0)
				if tt.warmup {
					// The warm-up's 20 deliveries are not timed, unless one was
					// published late, after the measured phase began.
					msgs, timed, late = 15, uint64(tt.deliveries-20), 4
				}
				if s.Published != msgs || s.Acked != msgs || s.Deliveries != tt.deliveries || s.Expected != tt.deliveries {
					t.Errorf("published=%d acked=%d deliveries=%d expected=%d", s.Published, s.Acked, s.Deliveries, s.Expected)
				}
				if s.Latency.N < timed || s.Latency.N > timed+late || s.Latency.Max <= 0 {
					t.Errorf("latency %+v, want %d timed", s.Latency, timed)
				}
				if tt.warmup {
					if lines := slowLines(t, c.SlowLog); lines != int(s.Latency.N) {
						t.Errorf("%d lines in the slow log, want one per latency measured (%d)", lines, s.Latency.N)
					}
				}
			}
		})
	}
}

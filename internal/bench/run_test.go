package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestMain lets this test binary act as a worker process (--child), so the
// multi-process path runs in tests too.
func TestMain(m *testing.M) {
	if slices.Contains(os.Args[1:], "--child") {
		if err := RunChild(context.Background(), os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestRunAgainstFakeServer(t *testing.T) {
	base := Config{URLs: nil, Conns: 12, Rooms: 3, Users: 4, Procs: 1, Ramp: 1000, Ping: time.Second,
		Duration: 500 * time.Millisecond, Hold: 1200 * time.Millisecond, Grace: 2 * time.Second, Rate: 20,
		Inflight: 2, UserPrefix: "u", RoomPrefix: "r"}
	tests := []struct {
		name             string
		scenario         string
		drop, dup        int64
		lost, dupWant    int64
		close            int64 // the seq at which the first subscriber of each room is closed
		dropped          int   // connections that ended before the stop
		wantDeliveries   int64
		wantAckedAtLeast int64
		procs            int
		changes          bool // edits and reactions too
		reopened         int  // storm: server-closed connections dialled again
		refuse           bool // storm: resumes refused for 300 ms from the first, the storm gives up at once
		fsync            bool // the disk probe in a directory of its own
		slow             bool // every delivery or ack in the slow log (--slow-over 1ns)
		warmup           bool // 225 ms of publishing before the measured phase: 5 more messages, not timed
	}{
		// 10 messages over 3 rooms (4, 3, 3), 4 subscribers each.
		{name: "fanout clean", scenario: ScenarioFanout, wantDeliveries: 40},
		// Seq 2 exists in every room: the first subscriber of each misses it.
		{name: "fanout with loss", scenario: ScenarioFanout, drop: 2, lost: 3, wantDeliveries: 37},
		// Closed at seq 2, the first subscriber of each room misses the rest: 3 + 2 + 2.
		{name: "fanout with closed connections", scenario: ScenarioFanout, close: 2, lost: 7, dropped: 3, wantDeliveries: 33},
		{name: "fanout with duplicates", scenario: ScenarioFanout, dup: 1, dupWant: 3, wantDeliveries: 43},
		{name: "fanout in 2 processes", scenario: ScenarioFanout, drop: 3, lost: 3, wantDeliveries: 37, procs: 2},
		{name: "fanout with the slow log", scenario: ScenarioFanout, dup: 1, dupWant: 3, wantDeliveries: 43, slow: true},
		{name: "fanout in 2 processes with the slow log", scenario: ScenarioFanout, wantDeliveries: 40, procs: 2, slow: true},
		// 15 messages (5 in the warm-up) over 3 rooms, 5 each.
		{name: "fanout with a warm-up", scenario: ScenarioFanout, wantDeliveries: 60, warmup: true},
		{name: "fanout with a warm-up in 2 processes with the slow log", scenario: ScenarioFanout, wantDeliveries: 60,
			procs: 2, slow: true, warmup: true},
		{name: "fanout with edits and reactions", scenario: ScenarioFanout, wantDeliveries: 40, changes: true},
		{name: "edits and reactions in 2 processes", scenario: ScenarioFanout, wantDeliveries: 40, changes: true, procs: 2},
		{name: "ingest", scenario: ScenarioIngest, wantAckedAtLeast: 12},
		{name: "ingest in 3 processes", scenario: ScenarioIngest, wantAckedAtLeast: 12, procs: 3},
		{name: "ingest with the disk probe", scenario: ScenarioIngest, wantAckedAtLeast: 12, fsync: true},
		{name: "ingest with the slow log", scenario: ScenarioIngest, wantAckedAtLeast: 12, slow: true},
		{name: "idle", scenario: ScenarioIdle},
		// Closed at seq 2, well before the drop, the first subscriber of
		// each room follows the protocol's recipe: it comes back, resumes
		// after the last seq it got and misses nothing.
		{name: "storm with closed connections", scenario: ScenarioStorm, close: 2, reopened: 3},
		{name: "storm with closed connections in 2 processes", scenario: ScenarioStorm, close: 2, reopened: 3, procs: 2},
		// The storm stops counting every connection at its first refusal;
		// each goes on redialling, comes back and misses nothing.
		{name: "storm that gives up", scenario: ScenarioStorm, refuse: true, reopened: 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base
			c.Scenario = tt.scenario
			if tt.procs > 0 {
				c.Procs, c.Exe = tt.procs, os.Args[0]
			}
			if tt.changes {
				c.EditRate, c.ReactRate = 12, 12
			}
			if tt.scenario == ScenarioStorm {
				// Seq 2 of every room is sent within about 0.5 s, the redial
				// waits under 1 s: all are back by the drop.
				c.Storm = StormConfig{DropAfter: 3 * time.Second, Window: 200 * time.Millisecond, Resume: "seq", Tail: 300 * time.Millisecond}
			}
			if tt.fsync {
				c.FsyncDir, c.FsyncRate = t.TempDir(), 100
			}
			if tt.slow {
				c.SlowLog, c.SlowOver = filepath.Join(t.TempDir(), "slow"), time.Nanosecond
			}
			if tt.warmup {
				c.Warmup = 225 * time.Millisecond // between the 5th message (200 ms) and the 6th (250 ms)
			}
			if tt.refuse {
				// Each redial waits under 1, 2, then 4 s: all are back within
				// the tail.
				c.Storm = StormConfig{DropAfter: 500 * time.Millisecond, Window: 100 * time.Millisecond, Resume: "seq",
					Tail: 6 * time.Second, GiveUp: time.Millisecond}
			}
			f, url := newFakeServer(t, tt.drop, tt.dup)
			f.closeSeq = tt.close
			if tt.refuse {
				f.refuseFor = 300 * time.Millisecond
			}
			c.URLs = []string{url}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			s, err := Run(ctx, c, io.Discard, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			t.Log(s.Line())
			if s.Established != c.Conns || s.Dropped != tt.dropped || s.Failed != 0 {
				t.Errorf("established=%d dropped=%d failed=%d", s.Established, s.Dropped, s.Failed)
			}
			if s.Lost != tt.lost || s.Dup != tt.dupWant || s.OutOfOrder != 0 {
				t.Errorf("lost=%d dup=%d ooo=%d, want %d %d 0", s.Lost, s.Dup, s.OutOfOrder, tt.lost, tt.dupWant)
			}
			if wantDropped := map[bool]int64{true: tt.lost}[tt.dropped > 0]; s.LostDropped != wantDropped {
				t.Errorf("lost_dropped=%d, want %d (of lost=%d)", s.LostDropped, wantDropped, s.Lost)
			}
			if tt.scenario == ScenarioFanout {
				// timed: deliveries in the latency figures, up to late more.
				msgs, timed, late := int64(10), uint64(tt.wantDeliveries), uint64(0)
				if tt.warmup {
					// The warm-up's 20 deliveries are not timed; a warm-up
					// message sent late, after the measured phase began, is
					// (its 4 deliveries).
					msgs, timed, late = 15, uint64(tt.wantDeliveries-20), 4
				}
				if s.Published != msgs || s.Acked != msgs || s.Deliveries != tt.wantDeliveries || s.Expected != 4*msgs {
					t.Errorf("published=%d acked=%d deliveries=%d expected=%d", s.Published, s.Acked, s.Deliveries, s.Expected)
				}
				if s.Latency.N < timed || s.Latency.N > timed+late || s.Latency.Max <= 0 {
					t.Errorf("latency %+v, want %d timed", s.Latency, timed)
				}
			}
			// 6 edits and 6 reactions are due; the first of each (more on a
			// slow machine) finds its publisher with nothing acked yet and
			// is skipped.
			if tt.changes && (s.Edits < 1 || s.Reactions < 1 || s.EditsExpected != 4*s.Edits || s.ReactionsExpected != 4*s.Reactions ||
				s.EditDeliveries != s.EditsExpected || s.ReactionDeliveries != s.ReactionsExpected || len(s.Errors) > 0) {
				t.Errorf("edits %d, frames %d of %d; reactions %d, frames %d of %d; errors %v", s.Edits, s.EditDeliveries, s.EditsExpected,
					s.Reactions, s.ReactionDeliveries, s.ReactionsExpected, s.Errors)
			}
			if !tt.changes && s.Edits+s.Reactions+s.EditDeliveries+s.ReactionDeliveries != 0 {
				t.Errorf("edits or reactions without --edit-rate or --react-rate")
			}
			if s.Reopened != tt.reopened || tt.scenario == ScenarioStorm && tt.close > 0 && s.Errors["closed_1008"] != int64(tt.reopened) {
				t.Errorf("reopened=%d after %d closes (1008), want %d", s.Reopened, s.Errors["closed_1008"], tt.reopened)
			}
			if tt.scenario == ScenarioStorm {
				wantGaveUp := 0
				if tt.refuse {
					wantGaveUp = c.Conns
				}
				if st := s.Storm; st == nil || st.Resumed != c.Conns-wantGaveUp || st.GaveUp != wantGaveUp || s.Expected == 0 {
					t.Errorf("storm %+v, expected=%d, want %d given up", st, s.Expected, wantGaveUp)
				}
			}
			if s.Acked < tt.wantAckedAtLeast {
				t.Errorf("acked=%d", s.Acked)
			}
			// 100 flushes a second for 0.5 s, but this disk can stall one
			// for longer than the run: at least the first (at 10 ms) is in.
			if probed := s.Fsync != nil; probed != tt.fsync || probed && (s.Fsync.N < 1 || s.Fsync.Max <= 0) {
				t.Errorf("fsync %+v, want a probe: %v", s.Fsync, tt.fsync)
			}
			if tt.fsync {
				if left, _ := os.ReadDir(c.FsyncDir); len(left) > 0 {
					t.Errorf("the probe left %d files", len(left))
				}
			}
			if tt.slow {
				if lines := slowLines(t, c.SlowLog); lines != int(s.Latency.N) || lines == 0 {
					t.Errorf("%d lines in the slow log, want one per latency measured (%d)", lines, s.Latency.N)
				}
			}
			if tt.scenario == ScenarioIdle && s.Pongs < int64(c.Conns) {
				t.Errorf("pongs=%d, want ≥ %d", s.Pongs, c.Conns)
			}
			f.mu.Lock()
			joins := len(f.joins)
			f.mu.Unlock()
			if want := len(c.posters()); joins != want {
				t.Errorf("%d memberships joined, want %d (every poster in its room)", joins, want)
			}
		})
	}
}

// TestPagesAgainstFakeServer: the pages scenario seeds the room to 200
// messages once, then counts every page it read and nothing else.
func TestPagesAgainstFakeServer(t *testing.T) {
	f, url := newFakeServer(t, 0, 0)
	c := Config{Scenario: ScenarioPages, URLs: []string{url}, Conns: 4, Rooms: 1, Users: 3, Procs: 1,
		Duration: 300 * time.Millisecond, UserPrefix: "u", RoomPrefix: "r"}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for run := range 2 {
		f.mu.Lock()
		readsBefore := f.pageReads
		f.mu.Unlock()
		s, err := Run(ctx, c, io.Discard, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		t.Log(s.Line())
		f.mu.Lock()
		seq, reads := f.rooms["room0"].seq, f.pageReads-readsBefore
		f.mu.Unlock()
		if seq != pagesSeed {
			t.Errorf("run %d: room holds %d messages, want %d", run, seq, pagesSeed)
		}
		// One read of ?limit=1 decides the seeding; the rest are measured
		// (those cut off at the end are not counted).
		if s.Acked < 1 || s.Acked > int64(reads-1) || len(s.Errors) > 0 || s.Latency.N != uint64(s.Acked) {
			t.Errorf("run %d: acked=%d of %d reads, errors %v, latency n=%d", run, s.Acked, reads, s.Errors, s.Latency.N)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	ok := Config{Scenario: ScenarioFanout, URLs: []string{"http://x"}, Conns: 1, Rooms: 1, Users: 1, Procs: 1,
		Rate: 1, Duration: time.Second, Inflight: 1}
	tests := []struct {
		name string
		mod  func(c *Config)
		ok   bool
	}{
		{"valid", func(*Config) {}, true},
		{"unknown scenario", func(c *Config) { c.Scenario = "x" }, false},
		{"no url", func(c *Config) { c.URLs = nil }, false},
		{"too many conns per process", func(c *Config) { c.Conns = MaxConnsPerProc + 1 }, false},
		{"enough processes", func(c *Config) { c.Conns, c.Procs, c.Exe = 2*MaxConnsPerProc, 2, "x" }, true},
		{"fanout without rate", func(c *Config) { c.Rate = 0 }, false},
		{"ingest without inflight", func(c *Config) { c.Scenario, c.Inflight = ScenarioIngest, 0 }, false},
		{"pages", func(c *Config) { c.Scenario = ScenarioPages }, true},
		{"pages without duration", func(c *Config) { c.Scenario, c.Duration = ScenarioPages, 0 }, false},
		{"disk probe", func(c *Config) { c.FsyncDir, c.FsyncRate = "/tmp", 20 }, true},
		{"disk probe without a rate", func(c *Config) { c.FsyncDir = "/tmp" }, false},
		{"disk probe at its highest rate", func(c *Config) { c.FsyncDir, c.FsyncRate = "/tmp", MaxFsyncRate }, true},
		{"disk probe over its highest rate", func(c *Config) { c.FsyncDir, c.FsyncRate = "/tmp", MaxFsyncRate+1 }, false},
		{"fanout warm-up", func(c *Config) { c.Warmup = time.Second }, true},
		{"negative warm-up", func(c *Config) { c.Warmup = -time.Second }, false},
		{"ingest warm-up", func(c *Config) { c.Scenario, c.Warmup = ScenarioIngest, time.Second }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.mod(&c)
			if err := c.Validate(); (err == nil) != tt.ok {
				t.Errorf("Validate() = %v", err)
			}
		})
	}
}

func TestSrcIPsAndPublishers(t *testing.T) {
	c := Config{Scenario: ScenarioFanout, URLs: []string{"http://127.0.0.1:8080"}, Conns: 60000, Rate: 1000}
	ips := c.srcIPs()
	if len(ips) != 3 || ips[0] != "127.0.0.1" || ips[2] != "127.0.0.3" {
		t.Errorf("srcIPs = %v", ips)
	}
	if c.publishers() != 125 {
		t.Errorf("publishers = %d", c.publishers())
	}
	c.Conns = 100
	if ips := c.srcIPs(); ips != nil {
		t.Errorf("one address needed: srcIPs = %v, want none", ips)
	}
	c.URLs = []string{"http://example.org"}
	c.SrcIPs = 3
	if ips := c.srcIPs(); ips != nil {
		t.Errorf("remote server: srcIPs = %v, want none", ips)
	}
	if got := setupIP(0); got != "127.1.0.1" {
		t.Errorf("setupIP(0) = %s", got)
	}
	if got := setupIP(254); got != "127.1.1.1" {
		t.Errorf("setupIP(254) = %s", got)
	}
}

func TestPosters(t *testing.T) {
	tests := []struct {
		name string
		c    Config
		want []poster
	}{
		{"ingest: connection i as user userOf(i) to room i%rooms",
			Config{Scenario: ScenarioIngest, Conns: 5, Users: 2, Rooms: 3},
			[]poster{{0, 0}, {1, 1}, {0, 2}, {1, 0}, {0, 1}}},
		{"ingest: repeated pairs once, each room with both users",
			Config{Scenario: ScenarioIngest, Conns: 8, Users: 2, Rooms: 2},
			[]poster{{0, 0}, {1, 1}, {1, 0}, {0, 1}}},
		// 2 publishers (rate 16), 3 rooms: message k from publisher k%2 to room k%3.
		{"fanout: the pattern of one lcm(publishers, rooms) period",
			Config{Scenario: ScenarioFanout, Rate: 16, Users: 5, Rooms: 3},
			[]poster{{0, 0}, {1, 1}, {0, 2}, {1, 0}, {0, 1}, {1, 2}}},
		// 4 publishers over 2 users, 2 rooms: publishers 0 and 2 (user 0) send to room 0 only.
		{"fanout: publishers share users",
			Config{Scenario: ScenarioFanout, Publishers: 4, Users: 2, Rooms: 2},
			[]poster{{0, 0}, {1, 1}}},
		{"idle: nobody posts", Config{Scenario: ScenarioIdle, Conns: 5, Users: 2, Rooms: 3}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.posters(); !slices.Equal(got, tt.want) {
				t.Errorf("posters() = %v, want %v", got, tt.want)
			}
		})
	}
}

// slowLines counts the lines of a slow log (path, or path.worker<N> of
// each worker process) and checks their form: a first line "# from NS",
// then sent at (not before NS), latency, room, seq.
func slowLines(t *testing.T, path string) int {
	t.Helper()
	files, _ := filepath.Glob(path + "*")
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
		var from int64 // the first line: the measured phase's start
		if k, err := fmt.Sscanf(lines[0], "# from %d", &from); k != 1 || err != nil || from <= 0 {
			t.Fatalf("%s: first line %q, want # from NS", f, lines[0])
		}
		for _, line := range lines[1:] {
			var sent, lat, seq int64
			var room string
			if k, err := fmt.Sscanf(line, "%d %d %s %d", &sent, &lat, &room, &seq); k != 4 || err != nil || sent < from || lat <= 0 || seq <= 0 {
				t.Fatalf("%s: line %q (from %d)", f, line, from)
			}
			n++
		}
	}
	return n
}

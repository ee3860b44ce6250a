package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"time"

	"github.com/open-chat/openchat/internal/cputime"
)

// Defaults and limits of a run.
const (
	// PortsPerSrcIP is how many connections one source address carries
	// (the ephemeral port range here is 32768–60999).
	PortsPerSrcIP = 28000
	// MaxConnsPerProc keeps one process under the 20,000 open files
	// allowed here, with room for the tool's own files.
	MaxConnsPerProc = 19900
	// settlePoll and settleDrop: setup is settled when server RSS fell by
	// less than settleDrop over settleWindow.
	settlePoll   = 500 * time.Millisecond
	settleWindow = 2 * time.Second
	settleDrop   = 1 << 20
	// progressPoll is how often the fan-out grace period checks whether
	// every expected delivery has arrived.
	progressPoll = 100 * time.Millisecond
)

// Config is one run of a scenario.
type Config struct {
	Scenario   string
	Target     string   // TargetOpenChat ("" too) or TargetCentrifugo
	URLs       []string // connections are spread round-robin over them
	ServerPIDs []int    // read RSS/CPU from /proc instead of /metrics
	DBPID      int      // the database's root process: its tree's CPU as DBCPU (0: none)
	// MetricsURLs are the servers' --metrics-addr listeners, as base URLs
	// (/metrics is not on the public one); empty: URLs.
	MetricsURLs []string
	Conns       int // subscribers (idle, fanout) or senders (ingest)
	Rooms       int
	Users       int // size of the user pool the connections share
	Procs       int // worker processes; 1 = in this process
	SrcIPs      int // source addresses 127.0.0.1…N; 0 = as many as needed
	Ramp        float64
	Hold        time.Duration // idle
	Ping        time.Duration
	Duration    time.Duration // fanout, ingest
	Warmup      time.Duration // fanout: publish this long before the measured phase (not timed)
	Grace       time.Duration
	Settle      time.Duration // after setup, wait up to this for server RSS to stop falling
	Rate        float64       // fanout: messages per second, all rooms together
	Publishers  int           // fanout; 0 = Rate/DefaultPublisherRate
	EditRate    float64       // fanout: edits per second over HTTP, all rooms together
	ReactRate   float64       // fanout: reactions added or taken back per second
	Inflight    int           // ingest
	Storm       StormConfig   // storm
	UserPrefix  string
	RoomPrefix  string
	Exe         string        // this program, re-executed with --child when Procs > 1
	CPUProfile  string        // write the measured phase's CPU profile here (children: <path>.worker<N>)
	SlowLog     string        // a line per delivery or ack slower than SlowOver (slowLog; children: <path>.worker<N>)
	SlowOver    time.Duration // SlowLog's threshold
	// FsyncDir, if set, gets a file in which the measured phase's disk
	// flushes are timed, FsyncRate times a second (fsync.go).
	FsyncDir  string
	FsyncRate float64
	// CentrifugoSecret signs the connection tokens and CentrifugoAPIKey
	// authorizes the publishes (Target centrifugo).
	CentrifugoSecret string
	CentrifugoAPIKey string
}

// Validate checks the config.
func (c Config) Validate() error {
	switch {
	case c.Scenario != ScenarioIdle && c.Scenario != ScenarioFanout && c.Scenario != ScenarioIngest && c.Scenario != ScenarioPages && c.Scenario != ScenarioStorm:
		return fmt.Errorf("unknown scenario %q (want idle, fanout, ingest, pages or storm)", c.Scenario)
	case len(c.URLs) == 0:
		return errors.New("--url is required")
	case c.Conns < 1 || c.Rooms < 1 || c.Users < 1 || c.Procs < 1:
		return errors.New("--conns, --rooms, --users and --procs must be at least 1")
	case c.Conns/c.Procs > MaxConnsPerProc:
		return fmt.Errorf("%d connections per process is over %d: raise --procs", c.Conns/c.Procs, MaxConnsPerProc)
	case c.Scenario == ScenarioFanout && (c.Rate <= 0 || c.Duration <= 0):
		return errors.New("fanout needs --rate and --duration")
	case c.Warmup < 0 || c.Warmup > 0 && c.Scenario != ScenarioFanout:
		return errors.New("--warmup is a positive duration, for fanout only")
	case c.Scenario == ScenarioPages && c.Duration <= 0:
		return errors.New("pages needs --duration")
	case c.Scenario == ScenarioIngest && (c.Duration <= 0 || c.Inflight < 1):
		return errors.New("ingest needs --duration and --inflight ≥ 1")
	case c.Procs > 1 && c.Exe == "":
		return errors.New("--procs needs the executable path")
	case c.Target != "" && c.Target != TargetOpenChat && c.Target != TargetCentrifugo:
		return fmt.Errorf("unknown target %q (want openchat or centrifugo)", c.Target)
	case c.Target == TargetCentrifugo && c.Scenario != ScenarioIdle && c.Scenario != ScenarioFanout && c.Scenario != ScenarioStorm:
		return errors.New("the centrifugo target runs idle, fanout and storm only")
	case c.Target == TargetCentrifugo && c.Scenario == ScenarioStorm && c.Storm.Resume != "seq":
		return errors.New("the centrifugo target resumes by its stream offset, OpenChat's after_seq: use --resume seq")
	case c.Target == TargetCentrifugo && (c.CentrifugoSecret == "" || c.CentrifugoAPIKey == "" && c.Scenario != ScenarioIdle):
		return errors.New("the centrifugo target needs --centrifugo-secret (and --centrifugo-api-key to publish)")
	case c.Target == TargetCentrifugo && (c.EditRate > 0 || c.ReactRate > 0):
		return errors.New("edits and reactions are OpenChat's: not with the centrifugo target")
	case c.FsyncDir != "" && (c.FsyncRate <= 0 || c.FsyncRate > MaxFsyncRate):
		return fmt.Errorf("--fsync-rate must be above 0 and at most %d", MaxFsyncRate)
	case c.Scenario == ScenarioStorm:
		return c.Storm.validate(c.Rate)
	}
	return nil
}

// srcIPs returns the source addresses to dial from: none (the system
// picks) unless more than one is needed or asked for, and only towards
// loopback servers.
func (c Config) srcIPs() []string {
	n := c.SrcIPs
	if n == 0 {
		n = (c.Conns + c.publishers() + PortsPerSrcIP - 1) / PortsPerSrcIP
	}
	if n <= 1 && c.SrcIPs == 0 || !isLoopback(c.URLs[0]) {
		return nil
	}
	ips := make([]string, n)
	for k := range ips {
		v := k + 1
		ips[k] = fmt.Sprintf("127.%d.%d.%d", v>>16, (v>>8)&255, v&255)
	}
	return ips
}

func (c Config) publishers() int {
	if c.Scenario != ScenarioFanout && c.Scenario != ScenarioStorm {
		return 0
	}
	if c.Publishers > 0 {
		return c.Publishers
	}
	return max(1, int(c.Rate/DefaultPublisherRate+0.999))
}

func newRunID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return "b" + hex.EncodeToString(b[:])
}

// Run performs one run: setup, connect, measure, collect.
func Run(ctx context.Context, c Config, stderr io.Writer, log *slog.Logger) (Summary, error) {
	if err := c.Validate(); err != nil {
		return Summary{}, err
	}
	d := newDialers()
	smp := sampler{urls: c.URLs, pids: c.ServerPIDs, dbPID: c.DBPID, hc: &http.Client{Timeout: RequestTimeout}}
	if len(c.MetricsURLs) > 0 {
		smp.urls = c.MetricsURLs
	}
	s := Summary{Scenario: c.Scenario, Conns: c.Conns, Rooms: c.Rooms, Procs: c.Procs, Rate: c.Rate}
	fresh, err := smp.servers(ctx)
	if err != nil {
		return s, err
	}
	s.ServerRSSFresh = fresh.RSS

	log.Info("setup", "users", c.Users, "rooms", c.Rooms)
	a := newAPI(c.URLs[0], d)
	if c.Scenario == ScenarioPages {
		return runPages(ctx, c, a, smp, s, log)
	}
	var tokens, rooms []string
	if c.Target == TargetCentrifugo {
		tokens, rooms = c.centrifugoSetup()
	} else if tokens, rooms, err = c.setup(ctx, a, log); err != nil {
		return s, err
	}
	s.ServerRSSSetup = settle(ctx, smp, c.Settle)

	runID, ips := newRunID(), c.srcIPs()
	workers, err := c.startWorkers(runID, tokens, rooms, ips, stderr)
	if err != nil {
		return s, err
	}
	defer func() {
		for _, w := range workers {
			w.Kill()
		}
	}()
	log.Info("connecting", "conns", c.Conns, "procs", c.Procs, "src_ips", len(ips))
	t0 := time.Now()
	if err := c.connect(ctx, workers, &s); err != nil {
		return s, err
	}
	log.Info("connected", "established", s.Established, "failed", s.Failed, "took", time.Since(t0).Round(time.Millisecond))

	var pubs *publishers
	if (c.Scenario == ScenarioFanout || c.Scenario == ScenarioStorm) && c.Target == TargetCentrifugo {
		pubs = newCentrifugoPublishers(runID, c.URLs[0], c.CentrifugoAPIKey, d, pick(ips, 0))
	} else if c.Scenario == ScenarioFanout || c.Scenario == ScenarioStorm {
		if pubs, err = openPublishers(ctx, d, runID, c.publishers(), c.URLs, tokens, ips); err != nil {
			return s, fmt.Errorf("publishers: %w", err)
		}
		defer pubs.close()
	}
	var errs errorTally // the publishers', workers' and changer's failures, reported once
	var chg *changer
	if c.EditRate > 0 || c.ReactRate > 0 {
		chg = newChanger(a, pubs, tokens)
	}

	// The workers time what is sent from the measured phase's start; a
	// fan-out's publishers begin Warmup before it, so that the setup's
	// leftovers (the presence flush after the connections, the first GC
	// cycles of a heap grown by the setup) pass before it (docs/performance.md).
	pubStart := time.Now()
	from := pubStart.Add(c.Warmup)
	for _, w := range workers {
		if err := w.Start(from); err != nil {
			return s, err
		}
	}
	published := make(chan struct{})
	if c.Scenario == ScenarioFanout {
		pubs.from.set(from)
		// Messages due before from are the warm-up's; rate × Duration follow.
		n := int64(math.Ceil(c.Rate*c.Warmup.Seconds())) + int64(c.Rate*c.Duration.Seconds())
		go func() { defer close(published); pubs.run(ctx, rooms, c.Rate, pubStart, n) }()
	} else {
		close(published)
	}
	sleep(ctx, time.Until(from))

	// The measured phase.
	before, err := smp.sample(ctx)
	if err != nil {
		return s, err
	}
	stopProfile, err := startCPUProfile(c.CPUProfile)
	if err != nil {
		return s, err
	}
	defer stopProfile()
	stopFsync, err := startFsyncProbe(ctx, c.FsyncDir, c.FsyncRate)
	if err != nil {
		return s, err
	}
	defer func() { _, _ = stopFsync() }()
	cpu0, start := cputime.Process(), time.Now()
	switch c.Scenario {
	case ScenarioIdle:
		sleep(ctx, c.Hold)
	case ScenarioIngest:
		sleep(ctx, c.Duration)
	case ScenarioFanout:
		changes := chg.start(ctx, c.EditRate, c.ReactRate, c.Duration)
		<-published
		sleep(ctx, time.Until(start.Add(c.Duration))) // the last message goes out before the end
		<-changes
	case ScenarioStorm:
		if s.Storm, err = c.storm(ctx, workers, pubs, rooms, smp); err != nil {
			return s, err
		}
	}
	elapsed := time.Since(start)
	after, err := smp.sample(ctx)
	if err != nil {
		return s, err
	}
	toolCPU := cputime.Process() - cpu0
	stopProfile()
	if s.Fsync, err = stopFsync(); err != nil {
		return s, err
	}
	for _, w := range workers {
		if err := w.Mark(); err != nil {
			return s, err
		}
	}

	var stop StopCmd
	if pubs != nil {
		gctx, cancel := context.WithTimeout(ctx, c.Grace)
		pubs.waitAcks(gctx)
		stop.Acked = pubs.ackedSeqs()
		want, changes := expectedDeliveries(c, rooms, s.Established, stop.Acked), chg.expectedFrames(c, rooms, s.Established)
		if want >= 0 && changes >= 0 {
			want += changes
		} else {
			want = -1
		}
		waitDeliveries(gctx, workers, want)
		cancel()
		s.Published, s.Acked = pubs.sent.Load(), pubs.nAcked.Load()
		ack := percentiles(pubs.lat.Snapshot())
		s.AckLatency = &ack
		errs.merge(pubs.errs.snapshot())
	}
	var lat Hist
	for _, w := range workers {
		r, err := w.Stop(stop)
		if err != nil {
			return s, err
		}
		s.Dropped += r.Dropped
		s.Deliveries += r.Deliveries
		s.Expected += r.Expected
		s.Lost += r.Lost
		s.LostDropped += r.LostDropped
		s.Reopened += r.Reopened
		s.Dup += r.Dup
		s.OutOfOrder += r.OutOfOrder
		s.Foreign += r.Foreign
		s.Pongs += r.Pongs
		s.EditDeliveries += r.Edits
		s.ReactionDeliveries += r.Reactions
		if c.Scenario == ScenarioIngest {
			s.Acked += r.Acked
		}
		lat.Merge(r.Latency)
		errs.merge(r.Errors, r.FirstErrors)
		if c.Procs > 1 { // a worker in this process is already in processCPUSeconds
			toolCPU += r.CPUSeconds
		}
	}
	workers = nil
	chg.summarize(c, rooms, &s, &errs)
	errs.report(&s, log) // one line per code, whoever failed

	secs := elapsed.Seconds()
	s.Seconds = secs
	s.Latency = percentiles(lat)
	s.Warmup = c.Warmup.Seconds()
	rateSecs := secs + s.Warmup // acks and deliveries count the warm-up's too
	s.AckedPerSec = float64(s.Acked) / rateSecs
	s.DeliveriesPerS = float64(s.Deliveries) / rateSecs
	s.ServerRSSAfter = after.RSS
	s.ServerGoroutines = after.Goroutines
	s.ServerRSSPerConn = rssPerConnKiB(fresh.RSS, after.RSS, s.Established)
	s.ServerRSSPerConnSetup = rssPerConnKiB(s.ServerRSSSetup, after.RSS, s.Established)
	s.setCPU(before, after, secs, c.DBPID > 0)
	s.ToolCPU = 100 * toolCPU / secs
	s.Time = time.Now().UTC().Format(time.RFC3339)
	return s, nil
}

// setup signs the users in, ensures the rooms and has the posters join.
func (c Config) setup(ctx context.Context, a *api, log *slog.Logger) (tokens, rooms []string, err error) {
	tokens, userIDs, rooms, err := setup(ctx, a, c.UserPrefix, c.Users, c.RoomPrefix, c.Rooms)
	if err != nil {
		return nil, nil, err
	}
	joined, err := joinRooms(ctx, a, tokens, userIDs, rooms, c.posters())
	if err != nil {
		return nil, nil, err
	}
	log.Info("joined", "memberships", joined)
	return tokens, rooms, nil
}

// startWorkers splits the connections over c.Procs workers.
func (c Config) startWorkers(runID string, tokens, rooms, ips []string, stderr io.Writer) ([]workerHandle, error) {
	var ws []workerHandle
	for p := range c.Procs {
		first, last := p*c.Conns/c.Procs, (p+1)*c.Conns/c.Procs
		job := Job{Scenario: c.Scenario, Target: c.Target, RunID: runID, URLs: c.URLs, Tokens: tokens, Rooms: rooms, SrcIPs: ips,
			First: first, Count: last - first, Ramp: c.Ramp / float64(c.Procs), Ping: c.Ping, Inflight: c.Inflight,
			Duration: c.Duration, Grace: c.Grace, Subscribe: c.Scenario != ScenarioIngest}
		if c.Scenario == ScenarioStorm {
			job.Ping = 0 // reconnects replace connections under the ping loop; the server's pings keep them alive
			job.Resume = c.Storm.Resume
		}
		job.SlowLog, job.SlowOver = c.SlowLog, c.SlowOver
		if c.Procs == 1 {
			return []workerHandle{localWorker{NewWorker(job)}}, nil // profiled with this process
		}
		job.SlowLog, job.CPUProfile = workerFile(c.SlowLog, p), workerFile(c.CPUProfile, p)
		cw, err := startChild(c.Exe, job, stderr)
		if err != nil {
			for _, w := range ws {
				w.Kill()
			}
			return nil, err
		}
		ws = append(ws, cw)
	}
	return ws, nil
}

// workerFile is worker process p's own file for path: path.worker<p> ("":
// none).
func workerFile(path string, p int) string {
	if path == "" {
		return ""
	}
	return fmt.Sprintf("%s.worker%d", path, p)
}

// connect has every worker connect at once and sums their reports.
func (c Config) connect(ctx context.Context, workers []workerHandle, s *Summary) error {
	type res struct {
		rep ReadyReport
		err error
	}
	ch := make(chan res, len(workers))
	for _, w := range workers {
		go func() { r, err := w.Connect(ctx); ch <- res{r, err} }()
	}
	var errs []error
	var samples []string
	for range workers {
		r := <-ch
		errs = append(errs, r.err)
		s.Established += r.rep.Established
		s.Failed += r.rep.Failed
		samples = append(samples, r.rep.Errors...)
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if s.Established == 0 {
		return fmt.Errorf("no connection established: %v", samples)
	}
	if len(samples) > 0 {
		s.Errors = mergeErrors(s.Errors, map[string]int64{"connect": int64(s.Failed)})
	}
	return nil
}

// expectedDeliveries is how many message frames the subscribers should get:
// each acked message once per subscriber of its room. It assumes every
// connection was established (otherwise the grace period runs out).
func expectedDeliveries(c Config, rooms []string, established int, acked map[string][]int64) int64 {
	if established < c.Conns {
		return -1
	}
	var n int64
	for r, id := range rooms {
		subs := c.Conns / len(rooms)
		if r < c.Conns%len(rooms) {
			subs++
		}
		n += int64(subs * len(acked[id]))
	}
	return n
}

// waitDeliveries waits until the workers received want frames, or ctx ends.
func waitDeliveries(ctx context.Context, workers []workerHandle, want int64) {
	for {
		var got int64
		for _, w := range workers {
			n, err := w.Deliveries()
			if err != nil {
				return
			}
			got += n
		}
		if want >= 0 && got >= want {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(progressPoll):
		}
	}
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// settle waits, at most d, until the servers return the memory the setup's
// password hashing used, and returns the RSS then.
func settle(ctx context.Context, smp sampler, d time.Duration) int64 {
	if d <= 0 {
		x, _ := smp.servers(ctx)
		return x.RSS
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var hist []int64 // one sample per settlePoll
	window := int(settleWindow / settlePoll)
	for {
		if x, err := smp.servers(ctx); err == nil {
			hist = append(hist, x.RSS)
		}
		if n := len(hist); n > window && hist[n-1-window]-hist[n-1] < settleDrop || ctx.Err() != nil {
			if n == 0 {
				return 0
			}
			return hist[n-1]
		}
		sleep(ctx, settlePoll)
	}
}

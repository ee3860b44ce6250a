package bench

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/open-chat/openchat/internal/cputime"
)

// Scenarios.
const (
	ScenarioIdle   = "idle"
	ScenarioFanout = "fanout"
	ScenarioIngest = "ingest"
)

// Worker limits.
const (
	// MaxDialsInFlight bounds concurrent handshakes of one worker, so a slow
	// server sees a queue here rather than thousands of half-open sockets.
	MaxDialsInFlight = 256
	// MaxClosesInFlight bounds concurrent close handshakes at the end: each
	// waits for the server's close frame.
	MaxClosesInFlight = 512
	// RateLimitBackoff is how long an ingest sender's slot stays taken
	// after the server refused a send as rate limited.
	RateLimitBackoff = 100 * time.Millisecond
	// codeRateLimited is the error code of a refused send (chat.ERATELIMITED).
	codeRateLimited = "rate_limited"
	// maxErrSamples is how many distinct connect errors a worker reports.
	maxErrSamples = 5
	// pollers is how many goroutines read a worker's sockets (one per core
	// of the machines used here).
	pollers = 2
)

// Job is one worker's share of the connections: global connection numbers
// First … First+Count-1. Connection i uses URLs[i%len], the token of user
// userOf(i, len(Rooms), len(Tokens)), Rooms[i%len] and SrcIPs[i%len].
type Job struct {
	Scenario  string        `json:"scenario"`
	Target    string        `json:"target,omitempty"` // "" or TargetOpenChat, TargetCentrifugo
	RunID     string        `json:"run_id"`
	URLs      []string      `json:"urls"`
	Tokens    []string      `json:"tokens"`
	Rooms     []string      `json:"rooms"`
	SrcIPs    []string      `json:"src_ips"`
	First     int           `json:"first"`
	Count     int           `json:"count"`
	Ramp      float64       `json:"ramp"` // connections per second
	Ping      time.Duration `json:"ping"`
	Inflight  int           `json:"inflight"`  // ingest: sends awaiting ack per connection
	Duration  time.Duration `json:"duration"`  // ingest: how long to send
	Grace     time.Duration `json:"grace"`     // ingest: wait for outstanding acks
	Subscribe bool          `json:"subscribe"` // idle, fanout: subscribe to the room
	// Resume (storm: "seq" or "change") redials a connection the server
	// closes and resumes it that way (storm_reopen.go); "": it stays down.
	Resume string `json:"resume,omitempty"`
	// CPUProfile, if set, receives this worker's CPU profile from Start to Mark.
	CPUProfile string `json:"cpu_profile,omitempty"`
	// SlowLog, if set, receives a line per delivery or ack slower than
	// SlowOver (slowLog).
	SlowLog  string        `json:"slow_log,omitempty"`
	SlowOver time.Duration `json:"slow_over,omitempty"`
}

// ReadyReport says how the connecting went.
type ReadyReport struct {
	Established int      `json:"established"`
	Failed      int      `json:"failed"`
	Errors      []string `json:"errors,omitempty"`
}

// StopCmd ends a run. Acked lists, per room id, the seqs the publishers saw
// acknowledged: what every subscriber of the room should have received.
type StopCmd struct {
	Acked map[string][]int64 `json:"acked,omitempty"`
}

// WorkerResult is what a worker measured.
type WorkerResult struct {
	Established int               `json:"established"`
	Dropped     int               `json:"dropped"`
	Pongs       int64             `json:"pongs"`
	Deliveries  int64             `json:"deliveries"` // message frames of this run
	Expected    int64             `json:"expected"`
	Lost        int64             `json:"lost"`
	LostDropped int64             `json:"lost_dropped"` // of Lost, on connections that ended before the stop
	Reopened    int               `json:"reopened"`     // storm: connections back through a background redial (storm_reopen.go)
	Dup         int64             `json:"dup"`
	OutOfOrder  int64             `json:"out_of_order"`
	Foreign     int64             `json:"foreign"`   // messages not sent by this run
	Acked       int64             `json:"acked"`     // ingest
	Edits       int64             `json:"edits"`     // message_updated frames received
	Reactions   int64             `json:"reactions"` // reaction frames received
	Latency     Hist              `json:"latency"`   // delivery (fanout) or ack (ingest), ns
	Errors      map[string]int64  `json:"errors,omitempty"`
	FirstErrors map[string]string `json:"first_errors,omitempty"` // each code's first failure, in words
	CPUSeconds  float64           `json:"cpu_seconds"`            // between Start and Mark
}

// conn is one connection of a worker.
type conn struct {
	i       int
	ws      *wsConn
	roomID  string
	tracker seqTracker
	done    chan struct{} // closed when the reader ends
	dropped atomic.Bool   // the reader ended before Stop
	kill    func()        // ends the connection without a handshake
	slots   chan struct{} // ingest: free inflight slots
	// storm: the highest change received (where after_change resumes),
	// and whether the tool itself is ending the connection.
	lastChange int64
	expectEnd  atomic.Bool
	// storm, Centrifugo: the channel's stream epoch and the highest
	// offset received (where recovery resumes).
	cfEpoch  string
	cfOffset int64
}

// Worker runs one Job in this process.
type Worker struct {
	job      Job
	dialers  *dialers
	conns    []*conn
	stopped  atomic.Bool
	lat      Recorder
	deliv    atomic.Int64
	foreign  atomic.Int64
	pongs    atomic.Int64
	acked    atomic.Int64
	edits    atomic.Int64 // message_updated frames of this run's messages
	reacts   atomic.Int64 // reaction frames
	errs     errorTally
	stopPing context.CancelFunc
	reopens  reopens // storm: redials of connections the server closed
	pollers  []*poller
	senders  sync.WaitGroup
	// from is when the measured phase begins (Start): latency counts the
	// messages sent from then on. begin fires then.
	from     phaseStart
	begin    *time.Timer
	begun    sync.WaitGroup
	cpuStart float64
	cpuMark  float64
	profStop func()
	slow     *slowLog // from Connect (a child's Start may come after the first messages) to Stop; nil: none
}

// NewWorker prepares a worker; Connect starts it.
func NewWorker(job Job) *Worker {
	return &Worker{job: job, dialers: newDialers()}
}

// userOf is the user of connection i, in room i%rooms. The users shift by
// one with each round of the rooms, so a room's connections belong to
// distinct users (up to users of them), as in a real room. Before
// (user i%users), every connection of a room was the same user whenever
// users divided rooms, which every multi-room run's figures had: one name
// in each room's presence, one membership per room.
func userOf(i, rooms, users int) int { return (i%rooms + i/rooms) % users }

// token is connection c's user's token.
func (w *Worker) token(c *conn) string {
	return w.job.Tokens[userOf(c.i, len(w.job.Rooms), len(w.job.Tokens))]
}

func pick(l []string, i int) string {
	if len(l) == 0 {
		return ""
	}
	return l[i%len(l)]
}

// Connect opens the job's connections at the ramp rate and returns when
// every one is established or has failed.
func (w *Worker) Connect(ctx context.Context) ReadyReport {
	var (
		mu  sync.Mutex
		rep ReadyReport
		wg  sync.WaitGroup
		sem = make(chan struct{}, MaxDialsInFlight)
	)
	var err error
	if w.slow, err = openSlowLog(w.job.SlowLog, w.job.SlowOver); err != nil {
		rep.Failed = w.job.Count
		rep.Errors = append(rep.Errors, err.Error())
		return rep
	}
	for range pollers {
		p, err := newPoller()
		if err != nil {
			for _, p := range w.pollers {
				p.close()
			}
			w.pollers = nil
			_ = w.slow.Close()
			w.slow = nil
			rep.Failed = w.job.Count
			rep.Errors = append(rep.Errors, err.Error())
			return rep
		}
		w.pollers = append(w.pollers, p)
	}
	start := time.Now()
	for k := 0; k < w.job.Count && ctx.Err() == nil; k++ {
		if w.job.Ramp > 0 {
			due := start.Add(time.Duration(float64(k) / w.job.Ramp * float64(time.Second)))
			time.Sleep(time.Until(due))
		}
		sem <- struct{}{}
		wg.Add(1)
		go func(i int) {
			defer func() { <-sem; wg.Done() }()
			c, err := w.open(ctx, i)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				rep.Failed++
				if len(rep.Errors) < maxErrSamples {
					rep.Errors = append(rep.Errors, err.Error())
				}
				return
			}
			rep.Established++
			w.conns = append(w.conns, c)
		}(w.job.First + k)
	}
	wg.Wait()
	pctx, cancel := context.WithCancel(context.Background())
	w.stopPing = cancel
	go w.pingLoop(pctx)
	return rep
}

func (w *Worker) open(ctx context.Context, i int) (*conn, error) {
	c := &conn{i: i, roomID: pick(w.job.Rooms, i)}
	if w.job.Scenario == ScenarioIngest {
		c.slots = make(chan struct{}, max(w.job.Inflight, 1))
		for range cap(c.slots) {
			c.slots <- struct{}{}
		}
	}
	return c, w.dial(ctx, c, nil)
}

// dial connects c, subscribes it (from r when resuming after a drop) and
// hands its socket to a poller.
func (w *Worker) dial(ctx context.Context, c *conn, r *resume) error {
	var ws *wsConn
	var h func([]byte)
	var err error
	if w.job.Target == TargetCentrifugo {
		ws, h, err = w.dialCentrifugo(ctx, c, r != nil)
	} else {
		ws, h, err = w.dialOpenChat(ctx, c, r)
	}
	if err != nil {
		return err
	}
	c.ws, c.done = ws, make(chan struct{})
	c.expectEnd.Store(false)
	done := c.done
	end := func(err error) {
		if !w.stopped.Load() && !c.expectEnd.Load() {
			why := "the connection ended"
			if err != nil {
				why = err.Error()
			}
			w.errs.add(closeReason(err), why)
			if !w.reopen(c) {
				c.dropped.Store(true)
			}
		}
		close(done)
	}
	if c.kill, err = w.pollers[c.i%len(w.pollers)].watch(ws, h, end); err != nil {
		_ = ws.nc.Close()
		return err
	}
	return nil
}

// dialOpenChat connects c to OpenChat and subscribes it (from r when
// resuming); it returns the socket and its frame handler.
func (w *Worker) dialOpenChat(ctx context.Context, c *conn, r *resume) (*wsConn, func([]byte), error) {
	nd := w.dialers.dialer(pick(w.job.SrcIPs, c.i))
	ws, err := dialWS(ctx, nd, pick(w.job.URLs, c.i), w.token(c))
	if err != nil {
		return nil, nil, err
	}
	if w.job.Subscribe {
		f, err := subscribe(ctx, ws, c.roomID, r)
		if err != nil {
			_ = ws.nc.Close()
			return nil, nil, err
		}
		if r == nil {
			c.tracker.base = f.LastSeq
		}
		if f.Truncated {
			w.errs.add("truncated", "the catch-up was cut at the server's limit")
		}
		c.lastChange = max(c.lastChange, f.LastChange)
	}
	return ws, func(b []byte) { w.handle(c, frameType(b), b) }, nil
}

// handle runs on c's reader goroutine for every frame.
func (w *Worker) handle(c *conn, typ string, b []byte) {
	switch typ {
	case frameMessage:
		m, ok := messageOf(b)
		if !ok || !w.ours(m.ClientID) {
			w.foreign.Add(1)
			return
		}
		now := time.Now().UnixNano()
		if t, ok := bodyTime(m.Body); ok && w.from.timed(t) {
			w.lat.Record(c.i, now-t)
			w.slow.record(t, now-t, m.RoomID, m.Seq)
		}
		w.deliv.Add(1)
		c.tracker.receive(m.Seq)
		if w.job.Scenario == ScenarioStorm {
			if ch, ok := changeOf(b); ok {
				c.lastChange = max(c.lastChange, ch)
			}
		}
	case frameAck:
		var f ackFrame
		if json.Unmarshal(b, &f) != nil {
			return
		}
		if t, ok := bodyTime(f.Message.Body); ok && w.from.timed(t) {
			lat := time.Now().UnixNano() - t
			w.lat.Record(c.i, lat)
			w.slow.record(t, lat, f.Message.RoomID, f.Message.Seq)
		}
		w.acked.Add(1)
		c.release()
	case frameMessageUpdated:
		if m, ok := messageOf(b); ok && w.ours(m.ClientID) {
			w.edits.Add(1)
		}
	case frameReaction:
		w.reacts.Add(1) // no client id to tell them apart: run on a fresh server
	case framePong:
		w.pongs.Add(1)
	case frameError:
		var f errorFrame
		_ = json.Unmarshal(b, &f)
		w.errs.add(f.Code, f.Message)
		if !w.ours(f.Ref) {
			return
		}
		if f.Code == codeRateLimited {
			// Retrying at once would only spin on refusals.
			time.AfterFunc(RateLimitBackoff, c.release)
			return
		}
		c.release()
	}
}

func (c *conn) release() {
	if c.slots != nil {
		select {
		case c.slots <- struct{}{}:
		default:
		}
	}
}

// ours reports whether a client_id was made by this run.
func (w *Worker) ours(clientID string) bool {
	return strings.HasPrefix(clientID, w.job.RunID+"-")
}

// pingTick is how often pingLoop sends its share of pings. Real clients
// ping on timers of their own, spread over the interval; a tick per second
// sent 400 of 10,000 connections' pings at once, a burst that showed as a
// cluster of slow deliveries every second (docs/performance.md).
const pingTick = 10 * time.Millisecond

// pingLoop sends an application ping to every connection once per
// job.Ping, a slice of them every pingTick, from one goroutine: no timer
// per connection.
func (w *Worker) pingLoop(ctx context.Context) {
	if w.job.Ping <= 0 || w.job.Target == TargetCentrifugo { // Centrifugo pings, the tool answers
		return
	}
	slots := max(int(w.job.Ping/pingTick), 1)
	t := time.NewTicker(pingTick)
	defer t.Stop()
	for tick := 0; ; tick++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pingSlice(tick, slots, len(w.conns), func(k int) {
			if c := w.conns[k]; !c.dropped.Load() {
				if err := c.ws.writeFrame(pingFrame); err != nil && !w.stopped.Load() {
					w.errs.add("ping_write", err.Error())
				}
			}
		})
	}
}

// pingSlice calls f with the indexes, of n connections, that tick pings:
// over any slots consecutive ticks, each exactly once, and at most
// ceil(n/slots) in one tick.
func pingSlice(tick, slots, n int, f func(k int)) {
	for k := tick % slots; k < n; k += slots {
		f(k)
	}
}

// Start begins the measured phase at from (zero: now). Latency and the
// CPU count from then on; a fan-out's messages sent before (its warm-up)
// are still checked for loss, duplicates and order, but not timed. For
// ingest the senders start now.
func (w *Worker) Start(from time.Time) {
	if from.IsZero() {
		from = time.Now()
	}
	// The run publishes only once every worker's Start has returned (a
	// child's answers it), so this line comes before any delivery it logs.
	w.slow.start(from.UnixNano())
	w.from.set(from)
	w.begun.Add(1)
	w.begin = time.AfterFunc(time.Until(from), func() {
		defer w.begun.Done()
		if stop, err := startCPUProfile(w.job.CPUProfile); err == nil {
			w.profStop = stop
		} else {
			w.errs.add("cpu_profile", err.Error())
		}
		w.cpuStart = cputime.Process()
	})
	if w.job.Scenario != ScenarioIngest {
		return
	}
	deadline := time.Now().Add(w.job.Duration)
	for _, c := range w.conns {
		w.senders.Add(1)
		go func() { defer w.senders.Done(); w.sendLoop(c, deadline) }()
	}
}

// sendLoop sends as fast as acks free inflight slots, until deadline.
func (w *Worker) sendLoop(c *conn, deadline time.Time) {
	buf := make([]byte, 0, 256)
	prefix := w.job.RunID + "-" + strconv.Itoa(c.i) + "-"
	for n := 0; ; n++ {
		left := time.Until(deadline)
		if left <= 0 {
			return
		}
		select {
		case <-c.slots:
		case <-c.done:
			return
		case <-time.After(left):
			return
		}
		buf = appendSend(buf[:0], c.roomID, prefix+strconv.Itoa(n), time.Now().UnixNano())
		if err := c.ws.writeFrame(buf); err != nil {
			w.errs.add("send_write", err.Error())
			return
		}
	}
}

// Mark ends the measured phase (CPU accounting).
func (w *Worker) Mark() {
	if w.begin != nil && w.begin.Stop() { // ended before it began
		w.cpuStart = cputime.Process()
		w.begun.Done()
	}
	w.begun.Wait()
	w.cpuMark = cputime.Process()
	if w.profStop != nil {
		w.profStop()
	}
}

// Stop closes every connection and returns the results.
func (w *Worker) Stop(cmd StopCmd) WorkerResult {
	if w.cpuMark == 0 {
		w.Mark()
	}
	w.senders.Wait()
	if w.job.Scenario == ScenarioIngest {
		w.waitAcks(w.job.Grace)
	}
	w.stopped.Store(true)
	if w.stopPing != nil {
		w.stopPing()
	}
	w.pauseReopens() // c.ws and c.done are final from here
	res := WorkerResult{Established: len(w.conns), CPUSeconds: w.cpuMark - w.cpuStart, Reopened: w.reopened()}
	sem := make(chan struct{}, MaxClosesInFlight)
	for _, c := range w.conns {
		if c.dropped.Load() {
			res.Dropped++
		}
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			c.ws.close()
			time.AfterFunc(closeWait, c.kill) // the server did not answer
		}()
	}
	for _, c := range w.conns {
		<-c.done
	}
	for _, p := range w.pollers {
		p.close()
	}
	if err := w.slow.Close(); err != nil { // no frame is handled from here
		w.errs.add("slow_log", err.Error())
	}
	for _, c := range w.conns {
		exp, lost := c.tracker.missing(cmd.Acked[c.roomID])
		res.Expected += exp
		res.Lost += lost
		if c.dropped.Load() {
			res.LostDropped += lost
		}
		res.Dup += c.tracker.dup
		res.OutOfOrder += c.tracker.ooo
	}
	res.Deliveries, res.Foreign = w.deliv.Load(), w.foreign.Load()
	res.Pongs, res.Acked = w.pongs.Load(), w.acked.Load()
	res.Edits, res.Reactions = w.edits.Load(), w.reacts.Load()
	res.Latency = w.lat.Snapshot()
	res.Errors, res.FirstErrors = w.errs.snapshot()
	return res
}

// waitAcks waits until every ingest sender has all its slots back, or d.
func (w *Worker) waitAcks(d time.Duration) {
	deadline := time.Now().Add(d)
	for _, c := range w.conns {
		for len(c.slots) < cap(c.slots) && time.Now().Before(deadline) && !isClosed(c.done) {
			time.Sleep(10 * time.Millisecond)
		}
	}
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// Deliveries is the number of this run's message, edit and reaction
// frames received so far.
func (w *Worker) Deliveries() int64 { return w.deliv.Load() + w.edits.Load() + w.reacts.Load() }

// closeReason names why a connection ended, for the error counts.
func closeReason(err error) string {
	if ce := (*closedError)(nil); errors.As(err, &ce) {
		return "closed_" + strconv.Itoa(int(ce.code))
	}
	return "conn_lost"
}

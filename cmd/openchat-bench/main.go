// Command openchat-bench is OpenChat's WebSocket load tool: it signs up a
// pool of users, opens many connections across rooms and measures idle
// memory, fan-out latency and ingest throughput. See docs/performance.md.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/open-chat/openchat/internal/bench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "openchat-bench:", err)
		}
		os.Exit(1)
	}
}

const usage = `Usage: openchat-bench <scenario> [flags]

Scenarios:
  idle     --conns connections across --rooms rooms, each subscribed, held
           for --hold with an application ping every --ping: server RSS per
           connection, connections dropped
  fanout   --conns subscribers in --rooms rooms; publishers send --rate
           messages/s in total for --duration: deliveries/s, latency, lost,
           duplicated and out-of-order deliveries
  ingest   --senders connections each sending as fast as acks come back
           (--inflight per sender) for --duration: acked (committed) msgs/s
  storm    --conns subscribers in --rooms rooms while --rate messages/s
           flow; after --drop-after every connection is dropped at once
           and reconnects within --window (backoff with jitter), resuming
           with after_seq or after_change (--resume): time until 50/99/100 %
           resubscribed, lost and duplicated messages across the reconnect,
           server CPU and store/Redis operations per reconnect (--metrics-url);
           a connection the server closes (idle, slow), or one not back
           by the storm's deadline (gave_up=), keeps redialling the same
           way until the stop (reopened=)
  pages    --conns HTTP clients read the first room's latest page (50 of
           200 messages, seeded on the first run) for --duration: req/s

Flags:
`

// scenarioDefaults are the flag defaults that differ per scenario.
var scenarioDefaults = map[string]struct{ conns, rooms int }{
	bench.ScenarioIdle:   {10000, 100},
	bench.ScenarioFanout: {10000, 1},
	bench.ScenarioIngest: {1000, 100},
	bench.ScenarioPages:  {32, 1},
	bench.ScenarioStorm:  {10000, 100},
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	for _, a := range args {
		if a == "--child" || a == "-child" {
			return bench.RunChild(ctx, stdin, stdout)
		}
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		newFlags("fanout", &bench.Config{}, new(opts), stderr).PrintDefaults()
		if len(args) > 0 && args[0] != "help" && args[0] != "-h" && args[0] != "--help" {
			return errors.New("the first argument must be a scenario")
		}
		return flag.ErrHelp
	}
	c := bench.Config{Scenario: args[0]}
	if _, ok := scenarioDefaults[c.Scenario]; !ok {
		return fmt.Errorf("unknown scenario %q (want idle, fanout, ingest, pages or storm)", c.Scenario)
	}
	var o opts
	fs := newFlags(c.Scenario, &c, &o, stderr)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if err := o.apply(&c); err != nil {
		return err
	}
	if o.cfConfig != "" {
		return writeCentrifugoConfig(o.cfConfig, o.cfRedis, c)
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	c.Exe = exe
	if c.Procs == 0 {
		c.Procs = max(1, (c.Conns+bench.MaxConnsPerProc-1)/bench.MaxConnsPerProc)
	}
	level := slog.LevelInfo
	if o.quiet {
		level = slog.LevelWarn
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	s, err := bench.Run(ctx, c, stderr, log)
	if err != nil {
		return err
	}
	if o.json {
		return json.NewEncoder(stdout).Encode(s)
	}
	_, err = fmt.Fprintln(stdout, s.Line())
	return err
}

// writeCentrifugoConfig writes the peer's config for the secret, the key
// and the port of the first --url.
func writeCentrifugoConfig(path, redis string, c bench.Config) error {
	if c.CentrifugoSecret == "" || c.CentrifugoAPIKey == "" || len(c.URLs) == 0 {
		return errors.New("--centrifugo-config needs --centrifugo-secret, --centrifugo-api-key and --url")
	}
	u, err := url.Parse(c.URLs[0])
	if err != nil {
		return fmt.Errorf("--url: %w", err)
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil {
		return fmt.Errorf("--url needs a port: %w", err)
	}
	return bench.WriteCentrifugoConfig(path, bench.CentrifugoOptions{Secret: c.CentrifugoSecret, APIKey: c.CentrifugoAPIKey, Port: port,
		Recovery: c.Scenario == bench.ScenarioStorm, Redis: redis})
}

// opts are flags that need converting into the Config.
type opts struct {
	urls, pids  string
	metricsURLs string
	json, quiet bool
	cfConfig    string
	cfRedis     string
}

func (o opts) apply(c *bench.Config) error {
	for _, u := range strings.Split(o.urls, ",") {
		if u = strings.TrimSpace(u); u != "" {
			c.URLs = append(c.URLs, strings.TrimRight(u, "/"))
		}
	}
	for _, u := range strings.Split(o.metricsURLs, ",") {
		if u = strings.TrimSpace(u); u != "" {
			c.MetricsURLs = append(c.MetricsURLs, strings.TrimRight(u, "/"))
		}
	}
	for _, p := range strings.Split(o.pids, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		pid, err := strconv.Atoi(p)
		if err != nil {
			return fmt.Errorf("--server-pid: %w", err)
		}
		c.ServerPIDs = append(c.ServerPIDs, pid)
	}
	return nil
}

func newFlags(scenario string, c *bench.Config, o *opts, stderr io.Writer) *flag.FlagSet {
	d := scenarioDefaults[scenario]
	fs := flag.NewFlagSet("openchat-bench "+scenario, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.urls, "url", "http://127.0.0.1:8080", "server base URL; a comma-separated list spreads connections round-robin over instances")
	fs.StringVar(&o.metricsURLs, "metrics-url", "", "comma-separated base URLs of the servers' --metrics-addr listeners, read for RSS and CPU (default: --url, which serves no /metrics since --metrics-addr)")
	fs.StringVar(&o.pids, "server-pid", "", "comma-separated server PIDs: read RSS and CPU from /proc instead of /metrics")
	fs.IntVar(&c.DBPID, "db-pid", 0, "the database's PID (PostgreSQL's postmaster): the CPU of it and its child processes over the measured phase, as db_cpu (0 = not shown)")
	fs.BoolVar(&o.json, "json", false, "print one JSON object instead of the summary line")
	fs.BoolVar(&o.quiet, "quiet", false, "log only warnings")
	fs.IntVar(&c.Conns, "conns", d.conns, "connections (idle, fanout: subscribers; ingest: senders)")
	fs.IntVar(&c.Conns, "senders", d.conns, "ingest: sending connections (same as --conns)")
	fs.IntVar(&c.Rooms, "rooms", d.rooms, "rooms the connections are spread over (connection i in room i mod rooms)")
	fs.IntVar(&c.Users, "users", 200, "user pool shared by the connections (each sign-up costs the server a password hash)")
	fs.IntVar(&c.Procs, "procs", 0, "worker processes (this program re-executed with --child); 0 = one per 19,900 connections")
	fs.IntVar(&c.SrcIPs, "src-ips", 0, "dial from 127.0.0.1…127.0.0.N; 0 = one per 28,000 connections")
	fs.Float64Var(&c.Ramp, "ramp", 2000, "connections opened per second")
	fs.DurationVar(&c.Hold, "hold", 2*time.Minute, "idle: how long connections are held")
	fs.DurationVar(&c.Ping, "ping", 25*time.Second, "application ping interval per connection (0 = none)")
	fs.DurationVar(&c.Duration, "duration", 20*time.Second, "fanout, ingest: how long to send")
	fs.DurationVar(&c.Warmup, "warmup", 0, "fanout: publish this long before the measured phase; its messages are checked for loss but not timed")
	fs.DurationVar(&c.Settle, "settle", 20*time.Second, "after setup, wait up to this for the server to return the memory of password hashing")
	fs.DurationVar(&c.Grace, "grace", 5*time.Second, "how long to wait after sending for acks and deliveries")
	fs.Float64Var(&c.Rate, "rate", 10, "fanout: messages per second, all rooms together")
	fs.IntVar(&c.Publishers, "publishers", 0, "fanout: publisher connections; 0 = one per 8 msg/s of --rate (the server allows 10 sends/s per connection)")
	fs.Float64Var(&c.EditRate, "edit-rate", 0, "fanout: publishers' users edit their latest messages over HTTP, edits/s in total")
	fs.Float64Var(&c.ReactRate, "react-rate", 0, "fanout: publishers' users add or take back reactions over HTTP, per second in total")
	fs.IntVar(&c.Inflight, "inflight", 1, "ingest: sends awaiting their ack per sender")
	fs.DurationVar(&c.Storm.DropAfter, "drop-after", 5*time.Second, "storm: connected and receiving this long before every connection is dropped")
	fs.DurationVar(&c.Storm.Window, "window", 10*time.Second, "storm: reconnects spread uniformly over this window after the drop")
	fs.StringVar(&c.Storm.Resume, "resume", "seq", "storm: resubscribe with after_seq (seq) or after_change (change); the centrifugo target recovers by offset (seq)")
	fs.DurationVar(&c.Storm.Tail, "tail", 2*time.Second, "storm: messages keep flowing this long after the last reconnect")
	fs.StringVar(&c.UserPrefix, "user-prefix", "bench", "usernames are <prefix>0000, <prefix>0001, …")
	fs.StringVar(&c.RoomPrefix, "room-prefix", "bench-room-", "room names are <prefix>0000, …")
	fs.StringVar(&c.Target, "target", bench.TargetOpenChat, "server under test: openchat, or centrifugo (a Centrifugo v6 peer; idle, fanout and storm)")
	fs.StringVar(&c.CentrifugoSecret, "centrifugo-secret", "", "centrifugo: HMAC secret of the connection JWTs (client.token.hmac_secret_key)")
	fs.StringVar(&c.CentrifugoAPIKey, "centrifugo-api-key", "", "centrifugo: server HTTP API key (http_api.key), for publishing")
	fs.StringVar(&o.cfRedis, "centrifugo-redis", "", "with --centrifugo-config: the Redis engine at this address (redis://host:port), for several Centrifugo nodes")
	fs.StringVar(&o.cfConfig, "centrifugo-config", "", "write a Centrifugo v6 config for --centrifugo-secret, --centrifugo-api-key and --url's port to this file, and exit (for the storm scenario: with history and recovery)")
	fs.StringVar(&c.FsyncDir, "fsync-dir", "", "time a write and flush of 8 KiB in a file of this directory (the database's disk) --fsync-rate times a second during the measured phase: fsync_p50/p99/max, the floor of any durable commit's latency")
	fs.Float64Var(&c.FsyncRate, "fsync-rate", 20, "flushes per second of --fsync-dir (at most 1000)")
	fs.StringVar(&c.CPUProfile, "cpu-profile", "", "write the tool's CPU profile of the measured phase to this file (worker processes: <file>.worker<N>)")
	fs.StringVar(&c.SlowLog, "slow-log", "", "write a line per delivery (fanout, storm) or ack (ingest) slower than --slow-over to this file: sent at (Unix ns), latency (ns), room id, seq, after a first line \"# from NS\", the measured phase's start (worker processes: <file>.worker<N>; docs/perf/slow.sh bins them by send time)")
	fs.DurationVar(&c.SlowOver, "slow-over", 3*time.Millisecond, "--slow-log's threshold")
	return fs
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/bench"
)

func TestArgs(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"no arguments", nil, "help requested"},
		{"help", []string{"help"}, "help requested"},
		{"flag first", []string{"--conns", "3"}, "first argument must be a scenario"},
		{"unknown scenario", []string{"hurricane"}, `unknown scenario "hurricane"`},
		{"storm resume", []string{"storm", "--resume", "position"}, `--resume "position"`},
		{"bad flag", []string{"idle", "--nope"}, "flag provided but not defined"},
		{"stray argument", []string{"idle", "extra"}, "unexpected arguments"},
		{"bad pid", []string{"idle", "--server-pid", "x"}, "--server-pid"},
		{"too many per process", []string{"idle", "--conns", "40000", "--procs", "1"}, "raise --procs"},
		{"unknown target", []string{"idle", "--target", "nats"}, `unknown target "nats"`},
		{"centrifugo without secret", []string{"idle", "--target", "centrifugo"}, "needs --centrifugo-secret"},
		{"centrifugo ingest", []string{"ingest", "--target", "centrifugo", "--centrifugo-secret", "s"}, "idle, fanout and storm only"},
		{"centrifugo storm by change", []string{"storm", "--target", "centrifugo", "--centrifugo-secret", "s", "--centrifugo-api-key", "k", "--rate", "1", "--resume", "change"}, "use --resume seq"},
		{"centrifugo storm without key", []string{"storm", "--target", "centrifugo", "--centrifugo-secret", "s", "--rate", "1", "--resume", "seq"}, "--centrifugo-api-key to publish"},
		{"centrifugo with edits", []string{"fanout", "--target", "centrifugo", "--centrifugo-secret", "s", "--centrifugo-api-key", "k", "--edit-rate", "1"}, "not with the centrifugo target"},
		{"centrifugo config without key", []string{"idle", "--centrifugo-secret", "s", "--centrifugo-config", "/dev/null"}, "needs --centrifugo-secret, --centrifugo-api-key"},
		{"centrifugo config without port", []string{"idle", "--url", "http://127.0.0.1", "--centrifugo-secret", "s", "--centrifugo-api-key", "k", "--centrifugo-config", "/dev/null"}, "--url needs a port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			err := run(context.Background(), tt.args, strings.NewReader(""), &out, &errb)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if tt.wantErr == "help requested" && (!errors.Is(err, flag.ErrHelp) || !strings.Contains(errb.String(), "Scenarios:")) {
				t.Errorf("help: %v\n%s", err, errb.String())
			}
		})
	}
}

// startServer builds and starts the real openchat server on a free port,
// its metrics on another, with a fresh SQLite data dir.
func startServer(t *testing.T) (base, metrics string) {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "openchat")
	build := exec.Command("go", "build", "-o", bin, "./cmd/openchat")
	build.Dir = "../.."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/openchat: %v\n%s", err, out)
	}
	freeAddr := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return ln.Addr().String()
	}
	addr, metricsAddr := freeAddr(), freeAddr()
	var logs bytes.Buffer
	srv := exec.Command(bin, "serve", "--addr", addr, "--metrics-addr", metricsAddr, "--data-dir", filepath.Join(dir, "data"), "--log-level", "warn")
	srv.Stdout, srv.Stderr = &logs, &logs
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = srv.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = srv.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = srv.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	base = "http://" + addr
	for deadline := time.Now().Add(30 * time.Second); ; {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base, "http://" + metricsAddr
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not come up: %v\n%s", err, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestFanoutAgainstRealServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real server")
	}
	base, metrics := startServer(t)
	exe := buildSelf(t)
	tests := []struct {
		name  string
		procs int
	}{
		{"one process", 1},
		{"two worker processes", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"fanout", "--url", base, "--metrics-url", metrics, "--conns", "20", "--rooms", "2", "--users", "4",
				"--rate", "20", "--duration", "2s", "--grace", "5s", "--json", "--quiet",
				"--procs", strconv.Itoa(tt.procs)}
			s := runTool(t, exe, args)
			if s.Established != 20 || s.Dropped != 0 || s.Published != 40 || s.Acked != 40 {
				t.Errorf("established=%d dropped=%d published=%d acked=%d errors=%v", s.Established, s.Dropped, s.Published, s.Acked, s.Errors)
			}
			// 40 messages over 2 rooms of 10 subscribers: 400 deliveries.
			if s.Expected != 400 || s.Deliveries != 400 || s.Lost != 0 || s.Dup != 0 || s.OutOfOrder != 0 {
				t.Errorf("expected=%d deliveries=%d lost=%d dup=%d ooo=%d", s.Expected, s.Deliveries, s.Lost, s.Dup, s.OutOfOrder)
			}
			if s.Latency.N != 400 || s.Latency.P50 <= 0 || s.ServerRSSAfter <= 0 {
				t.Errorf("latency %+v rss %d", s.Latency, s.ServerRSSAfter)
			}
		})
	}
}

// TestStormAgainstRealServer drops every connection at once and checks
// that each comes back and resumes with no gap and no duplicate while the
// messages flow.
func TestStormAgainstRealServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real server")
	}
	base, metrics := startServer(t)
	exe := buildSelf(t)
	tests := []struct {
		name, resume string
		procs        int
	}{
		{"after_seq, one process", "seq", 1},
		{"after_change, two worker processes", "change", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"storm", "--url", base, "--metrics-url", metrics, "--conns", "20", "--rooms", "2", "--users", "4",
				"--rate", "20", "--drop-after", "1s", "--window", "1s", "--tail", "500ms", "--grace", "5s", "--json", "--quiet",
				"--resume", tt.resume, "--procs", strconv.Itoa(tt.procs)}
			s := runTool(t, exe, args)
			st := s.Storm
			if st == nil || st.Dropped != 20 || st.Resumed != 20 || st.GaveUp != 0 || st.At.N != 20 {
				t.Fatalf("storm %+v", st)
			}
			if s.Acked == 0 || s.Expected != 10*s.Acked || s.Lost != 0 || s.Dup != 0 || s.OutOfOrder != 0 || s.Dropped != 0 {
				t.Errorf("acked=%d expected=%d lost=%d dup=%d ooo=%d dropped=%d", s.Acked, s.Expected, s.Lost, s.Dup, s.OutOfOrder, s.Dropped)
			}
			// The server starts a subscription where its hub stands: no
			// store head read per reconnect (the rooms' first subscribers
			// read it before the drop).
			if h := st.StoreOps[`op="Head"`]; h >= 0.5 {
				t.Errorf("%.2f store head reads per reconnect (%v), want none", h, st.StoreOps)
			}
		})
	}
}

// runTool runs the built tool with --json and returns its summary.
func runTool(t *testing.T, exe string, args []string) bench.Summary {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	var s bench.Summary
	if err := json.Unmarshal(out, &s); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	t.Logf("%s", bytes.TrimSpace(out))
	return s
}

// buildSelf builds this command, so --procs can re-execute it.
func buildSelf(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "openchat-bench")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

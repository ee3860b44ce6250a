package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/trace"
	"strconv"
	"strings"
	"testing"
	"time"
)

// spin keeps its goroutine running, not waiting, for d; a goroutine of
// its own, so that the views name it.
func spin(d time.Duration, done chan<- struct{}) {
	for end := time.Now().Add(d); time.Now().Before(end); {
	}
	close(done)
}

// traceOf writes a runtime trace of f to a file and returns its path.
func traceOf(t *testing.T, f func()) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "trace.out")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if err := trace.Start(out); err != nil {
		t.Fatal(err)
	}
	f()
	trace.Stop()
	return path
}

// TestViews runs each view on a trace of a known workload: two goroutines
// that each spin for 60 ms of wall time on one P (GOMAXPROCS 1), then 30
// ms of sleep. Neither ever blocks, so at every moment of its life each is
// running or waiting to run, and only one runs at a time: together they
// run at most the wall time and wait at least 120 ms less that. A busy
// machine (the process descheduled) changes how much each runs, not these
// bounds.
func TestViews(t *testing.T) {
	var wall float64 // ms from the spinners' start to the end of both
	path := traceOf(t, func() {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
		a, b, start := make(chan struct{}), make(chan struct{}), time.Now()
		go spin(60*time.Millisecond, a)
		go spin(60*time.Millisecond, b)
		<-a
		<-b
		wall = float64(time.Since(start)) / 1e6
		time.Sleep(30 * time.Millisecond)
	})
	view := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		if err := run(append([]string{args[0], path}, args[1:]...), &out); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return out.String()
	}
	// The spinners' line of the goroutines view: their running time, which
	// the bins must account for.
	spinner := regexp.MustCompile(`(?m)^\s*([0-9.]+) ms\s+\d+ runs\s+\S*/tracebins\.spin$`)
	whole := view("goroutines", "0", "1e9")
	m := spinner.FindStringSubmatch(whole)
	if m == nil {
		t.Fatalf("goroutines: no line for the spinners:\n%s", whole)
	}
	spun, _ := strconv.ParseFloat(m[1], 64)
	if spun <= 0 || spun > wall+1 { // an exit comes after the close that ends wall
		t.Fatalf("goroutines: the spinners ran %.2f ms; want at most their %.2f ms of wall time:\n%s", spun, wall, whole)
	}
	tests := []struct {
		name  string
		args  []string
		check func(t *testing.T, out string)
	}{
		{"goroutines in a window before it", []string{"goroutines", "0", "0.001"}, func(t *testing.T, out string) {
			if spinner.MatchString(out) {
				t.Fatalf("the spinner counted before it ran:\n%s", out)
			}
		}},
		{"bins", []string{"bins", "10"}, func(t *testing.T, out string) {
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if !strings.HasPrefix(lines[0], "from_ms running_ms") || float64(len(lines)-1) < (wall+30)/10 {
				t.Fatalf("want a header and a bin per 10 ms of the trace (over %.0f ms):\n%s", wall+30, out)
			}
			var running, waiting float64
			for _, l := range lines[1:] {
				f := strings.Fields(l)
				r, err1 := strconv.ParseFloat(f[1], 64)
				w, err2 := strconv.ParseFloat(f[2], 64)
				if err := errors.Join(err1, err2); err != nil {
					t.Fatalf("%q: %v", l, err)
				}
				running, waiting = running+r, waiting+w
			}
			// Bins print tenths of a ms: allow a twentieth per bin, and 1 ms
			// for the spinners' start and exit.
			slack := 0.05*float64(len(lines)) + 1
			if running+slack < spun || waiting+slack < 120-wall {
				t.Fatalf("%.1f ms running and %.1f waiting in all bins; want at least the spinners' %.2f and %.2f:\n%s",
					running, waiting, spun, 120-wall, out)
			}
		}},
		{"stretches", []string{"stretches", "0", "1e9", "5"}, func(t *testing.T, out string) {
			// The scheduler preempts a spinner after 10 ms for the other.
			if !regexp.MustCompile(`ran [0-9.]+ ms, then Runnable: .*tracebins\.spin`).MatchString(out) {
				t.Fatalf("no spinner preempted after running 5 ms or more:\n%s", out)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.check(t, view(tt.args...)) })
	}
}

// TestBadArguments: a wrong view or argument count is an error, not a
// silent empty report.
func TestBadArguments(t *testing.T) {
	path := traceOf(t, func() {})
	for _, args := range [][]string{
		{"bins", path},
		{"bins", path, "0"},
		{"bins", path, "x"},
		{"goroutines", path, "1"},
		{"stretch", path, "0", "1", "2"},
		{"bins", filepath.Join(t.TempDir(), "missing"), "10"},
	} {
		if err := run(args, &bytes.Buffer{}); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}

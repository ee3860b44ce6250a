package bench

import (
	"bytes"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"testing"
)

func TestErrorTally(t *testing.T) {
	for _, tc := range []struct {
		name     string
		adds     [][2]string // code, why
		before   map[string]int64
		want     map[string]int64
		wantLogs []string // lines, in order
	}{
		{name: "none", want: nil},
		{name: "none keeps the summary's", before: map[string]int64{"x": 1}, want: map[string]int64{"x": 1}},
		{
			name: "counts by code, logs the first failure of each",
			adds: [][2]string{{"rate_limited", "slow down"}, {"http_503", "read: timeout"}, {"rate_limited", "again"}},
			want: map[string]int64{"rate_limited": 2, "http_503": 1},
			wantLogs: []string{`code=http_503 count=1 first="read: timeout"`,
				`code=rate_limited count=2 first="slow down"`},
		},
		{
			name:     "merged into the summary's",
			adds:     [][2]string{{"edit", "409"}},
			before:   map[string]int64{"edit": 3, "react": 1},
			want:     map[string]int64{"edit": 4, "react": 1},
			wantLogs: []string{`code=edit count=1 first=409`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{
				ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
					if a.Key == slog.TimeKey || a.Key == slog.LevelKey || a.Key == slog.MessageKey {
						return slog.Attr{}
					}
					return a
				}}))
			var tally errorTally
			for _, a := range tc.adds {
				tally.add(a[0], a[1])
			}
			s := Summary{Errors: maps.Clone(tc.before)}
			tally.report(&s, log)
			if !maps.Equal(s.Errors, tc.want) {
				t.Errorf("errors %v, want %v", s.Errors, tc.want)
			}
			var lines []string
			if out := strings.TrimSpace(buf.String()); out != "" {
				lines = strings.Split(out, "\n")
			}
			if strings.Join(lines, "\n") != strings.Join(tc.wantLogs, "\n") {
				t.Errorf("log:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(tc.wantLogs, "\n"))
			}
		})
	}
}

// TestErrorTallyConcurrent: publishers' read loops and senders add at once.
func TestErrorTallyConcurrent(t *testing.T) {
	var tally errorTally
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				tally.add("send_write", "broken pipe")
			}
		})
	}
	wg.Wait()
	var s Summary
	tally.report(&s, slog.New(slog.DiscardHandler))
	if s.Errors["send_write"] != 8000 {
		t.Fatalf("counted %d, want 8000", s.Errors["send_write"])
	}
}

// TestErrorTallyMerge: a worker's failures (snapshot, as a Result carries
// them) add to the run's; a code's first failure is the one seen first.
func TestErrorTallyMerge(t *testing.T) {
	for _, tc := range []struct {
		name       string
		run, child [][2]string // code, why
		want       map[string]int64
		wantFirst  map[string]string
	}{
		{name: "nothing anywhere"},
		{
			name:      "only the worker's",
			child:     [][2]string{{"closed_1008", "idle"}, {"closed_1008", "idle again"}},
			want:      map[string]int64{"closed_1008": 2},
			wantFirst: map[string]string{"closed_1008": "idle"},
		},
		{
			name:      "a shared code keeps the run's first",
			run:       [][2]string{{"send_write", "broken pipe"}},
			child:     [][2]string{{"send_write", "reset by peer"}, {"truncated", "cut"}},
			want:      map[string]int64{"send_write": 2, "truncated": 1},
			wantFirst: map[string]string{"send_write": "broken pipe", "truncated": "cut"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var run, child errorTally
			for _, a := range tc.run {
				run.add(a[0], a[1])
			}
			for _, a := range tc.child {
				child.add(a[0], a[1])
			}
			run.merge(child.snapshot())
			counts, first := run.snapshot()
			if !maps.Equal(counts, tc.want) || !maps.Equal(first, tc.wantFirst) {
				t.Errorf("counts %v, first %v; want %v, %v", counts, first, tc.want, tc.wantFirst)
			}
		})
	}
}

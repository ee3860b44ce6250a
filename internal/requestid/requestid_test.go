package requestid

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
)

func TestValid(t *testing.T) {
	for _, tt := range []struct {
		id   string
		want bool
	}{
		{"abc-123", true},
		{New(), true},
		{"", false},
		{strings.Repeat("a", MaxLen), true},
		{strings.Repeat("a", MaxLen+1), false},
		{"has space", false},
		{"quote\"", false},
		{"new\nline", false},
		{"back\\slash", false},
		{"é", false},
	} {
		if got := Valid(tt.id); got != tt.want {
			t.Errorf("Valid(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
	if a, b := New(), New(); a == b {
		t.Errorf("New returned %s twice", a)
	}
}

func TestLogHandler(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(LogHandler(slog.NewTextHandler(&buf, nil))).With("instance", "i1")
	ctx := NewContext(context.Background(), "req-1")
	log.InfoContext(ctx, "with id")
	log.WithGroup("g").InfoContext(ctx, "grouped", "k", "v")
	log.Info("without id")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "request_id=req-1") || !strings.Contains(lines[0], "instance=i1") ||
		!strings.Contains(lines[1], "req-1") || strings.Contains(lines[2], "request_id") {
		t.Fatalf("log lines:\n%s", buf.String())
	}
}

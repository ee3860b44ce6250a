package testlog_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/open-chat/openchat/internal/testlog"
)

// TestBuffer: writers on many goroutines and a reader at once (run with
// -race); every line arrives whole.
func TestBuffer(t *testing.T) {
	var b testlog.Buffer
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 100 {
				fmt.Fprintf(&b, "writer %d line %d\n", i, j)
				_ = b.String()
			}
		})
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 800 {
		t.Fatalf("%d lines, want 800", len(lines))
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "writer ") || !strings.Contains(l, " line ") {
			t.Fatalf("torn line %q", l)
		}
	}
}

package bench

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestFsyncProbe(t *testing.T) {
	tests := []struct {
		name    string
		dir     func(t *testing.T) string
		rate    float64
		wantErr bool
		flushes bool
	}{
		{name: "off", dir: func(*testing.T) string { return "" }, rate: 20},
		{name: "probes", dir: func(t *testing.T) string { return t.TempDir() }, rate: 200, flushes: true},
		{name: "no rate", dir: func(t *testing.T) string { return t.TempDir() }, rate: 0, wantErr: true},
		{name: "no such directory", dir: func(t *testing.T) string { return filepath.Join(t.TempDir(), "x") }, rate: 20, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tt.dir(t)
			stop, err := startFsyncProbe(context.Background(), dir, tt.rate)
			if (err != nil) != tt.wantErr {
				t.Fatalf("start: %v, want an error: %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			time.Sleep(200 * time.Millisecond)
			h, err := stop()
			if err != nil {
				t.Fatal(err)
			}
			if again, _ := stop(); again.N != h.N { // stop may be called again
				t.Errorf("second stop: %d flushes, first %d", again.N, h.N)
			}
			// 200 a second for 0.2 s: 40, fewer on a slow disk.
			if got := h.N > 0 && h.Min > 0; got != tt.flushes {
				t.Errorf("%d flushes, min %d ns; want flushes: %v", h.N, h.Min, tt.flushes)
			}
			if dir != "" {
				if left, _ := os.ReadDir(dir); len(left) > 0 {
					t.Errorf("the probe left %d files", len(left))
				}
			}
		})
	}
}

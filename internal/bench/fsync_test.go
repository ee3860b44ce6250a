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
		wantErr bool
		flushes bool
	}{
		{name: "off", dir: func(*testing.T) string { return "" }},
		{name: "probes", dir: func(t *testing.T) string { return t.TempDir() }, flushes: true},
		{name: "no such directory", dir: func(t *testing.T) string { return filepath.Join(t.TempDir(), "x") }, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tt.dir(t)
			stop, err := startFsyncProbe(context.Background(), dir, 200)
			if (err != nil) != tt.wantErr {
				t.Fatalf("start: %v, want an error: %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			time.Sleep(200 * time.Millisecond)
			p, err := stop()
			if err != nil {
				t.Fatal(err)
			}
			if again, _ := stop(); again != p { // stop may be called again
				t.Errorf("second stop: %+v, first %+v", again, p)
			}
			// 200 a second for 0.2 s: 40, but a stalled disk may finish
			// only the first (at 5 ms), which stop waits for.
			if got := p != nil && p.N > 0 && p.Max > 0; got != tt.flushes || !tt.flushes && p != nil {
				t.Errorf("probe %+v; want flushes: %v", p, tt.flushes)
			}
			if dir != "" {
				if left, _ := os.ReadDir(dir); len(left) > 0 {
					t.Errorf("the probe left %d files", len(left))
				}
			}
		})
	}
}

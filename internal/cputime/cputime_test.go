package cputime

import (
	"testing"
	"time"
)

func TestProcessGrowsWithWork(t *testing.T) {
	before := Process()
	x := 0
	for end := time.Now().Add(200 * time.Millisecond); time.Now().Before(end); {
		for i := range 10_000 {
			x += i
		}
	}
	// 200 ms of wall time spinning: even a starved thread gets some CPU.
	if grew := Process() - before; grew <= 0 {
		t.Fatalf("CPU time grew %.3fs over a busy loop (x=%d)", grew, x)
	}
}

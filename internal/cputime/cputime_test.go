package cputime

import "testing"

func TestProcessGrowsWithWork(t *testing.T) {
	before := Process()
	x := 0
	for i := 0; Process()-before < 0.02 && i < 1e10; i++ {
		x += i
	}
	if after := Process(); after-before < 0.02 {
		t.Fatalf("CPU time grew %.3fs after a busy loop, want ≥ 0.02s (x=%d)", after-before, x)
	}
}

package bench

import "testing"

// TestPingSlice: over any slots consecutive ticks every connection is
// pinged exactly once, and no tick pings more than its share (the old
// loop pinged a twenty-fifth of the connections in one burst a second).
func TestPingSlice(t *testing.T) {
	tests := []struct {
		name            string
		slots, n, start int
	}{
		{"10,000 connections, 25 s in 10-ms ticks", 2500, 10000, 0},
		{"from a later tick", 2500, 10000, 7777},
		{"fewer connections than slots", 2500, 3, 1},
		{"one slot", 1, 12, 5},
		{"uneven", 7, 100, 3},
		{"no connections", 10, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen := make([]int, tt.n)
			most := (tt.n + tt.slots - 1) / tt.slots
			for tick := tt.start; tick < tt.start+tt.slots; tick++ {
				got := 0
				pingSlice(tick, tt.slots, tt.n, func(k int) { seen[k]++; got++ })
				if got > most {
					t.Fatalf("tick %d pinged %d connections, want at most %d", tick, got, most)
				}
			}
			for k, c := range seen {
				if c != 1 {
					t.Fatalf("connection %d pinged %d times in %d ticks, want once", k, c, tt.slots)
				}
			}
		})
	}
}

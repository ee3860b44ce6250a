package bench

import "testing"

func TestParseStat(t *testing.T) {
	tests := []struct {
		name, stat string
		want       procStat
		ok         bool
	}{
		{"postgres backend", "4242 (postgres) S 4200 4200 4200 0 -1 4194560 9 0 0 0 250 50 30 20 20 0 1 0",
			procStat{ppid: 4200, cpu: 3, reaped: 0.5}, true},
		{"name with spaces and parentheses", "7 (a) b (c)) R 1 7 7 0 -1 0 0 0 0 0 1 2 3 4 20 0 1 0",
			procStat{ppid: 1, cpu: 0.03, reaped: 0.07}, true},
		{"no name", "7 R 1 7 7 0 -1 0 0 0 0 0 1 2 3 4", procStat{}, false},
		{"too few fields", "7 (x) R 1 7 7 0 -1 0 0 0 0 0 1 2 3", procStat{}, false},
		{"not a number", "7 (x) R 1 7 7 0 -1 0 0 0 0 0 1 x 3 4", procStat{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStat(tt.stat)
			if (err == nil) != tt.ok || got != tt.want {
				t.Errorf("parseStat = %+v, %v; want %+v, ok %v", got, err, tt.want, tt.ok)
			}
		})
	}
}

func TestSumTree(t *testing.T) {
	all := map[int]procStat{
		11: {ppid: 10, cpu: 2, reaped: 0},   // a backend
		12: {ppid: 10, cpu: 1, reaped: 0.5}, // a worker that reaped a child
		13: {ppid: 12, cpu: 0.25},           // that worker's child
		20: {ppid: 1, cpu: 100},             // not the database's
		21: {ppid: 20, cpu: 100},
	}
	tests := []struct {
		name string
		root int
		top  procStat
		want float64
	}{
		{"the postmaster's tree", 10, procStat{ppid: 1, cpu: 0.5, reaped: 4}, 0.5 + 4 + 2 + 1 + 0.5 + 0.25},
		{"a subtree", 12, procStat{ppid: 10, cpu: 1, reaped: 0.5}, 1 + 0.5 + 0.25},
		{"a leaf", 13, procStat{ppid: 12, cpu: 0.25}, 0.25},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sumTree(tt.root, tt.top, all); got != tt.want {
				t.Errorf("sumTree(%d) = %v, want %v", tt.root, got, tt.want)
			}
		})
	}
}

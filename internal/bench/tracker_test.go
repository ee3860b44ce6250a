package bench

import "testing"

func TestSeqTracker(t *testing.T) {
	tests := []struct {
		name                        string
		base                        int64
		recv                        []int64
		acked                       []int64
		wantExp, wantLost, dup, ooo int64
		wantReceived                int64
	}{
		{"all in order", 10, []int64{11, 12, 13}, []int64{11, 12, 13}, 3, 0, 0, 0, 3},
		{"one lost", 0, []int64{1, 3}, []int64{1, 2, 3}, 3, 1, 0, 0, 2},
		{"duplicate", 0, []int64{1, 2, 2, 3}, []int64{1, 2, 3}, 3, 0, 1, 0, 3},
		{"out of order", 0, []int64{1, 3, 2}, []int64{1, 2, 3}, 3, 0, 0, 1, 3},
		{"before subscription is not expected", 5, []int64{6}, []int64{4, 5, 6}, 1, 0, 0, 0, 1},
		{"replay of old seq counts as dup", 5, []int64{5, 6}, []int64{6}, 1, 0, 1, 0, 1},
		{"far seq grows the bitmap", 0, []int64{1000}, []int64{999, 1000}, 2, 1, 0, 0, 1},
		{"nothing received", 0, nil, []int64{1, 2}, 2, 2, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := seqTracker{base: tt.base}
			for _, s := range tt.recv {
				tr.receive(s)
			}
			exp, lost := tr.missing(tt.acked)
			if exp != tt.wantExp || lost != tt.wantLost || tr.dup != tt.dup || tr.ooo != tt.ooo || tr.received != tt.wantReceived {
				t.Errorf("expected=%d lost=%d dup=%d ooo=%d received=%d", exp, lost, tr.dup, tr.ooo, tr.received)
			}
		})
	}
}

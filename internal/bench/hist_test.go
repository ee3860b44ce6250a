package bench

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

func TestBucketsCoverEveryValue(t *testing.T) {
	vals := []int64{0, 1, 127, 128, 255, 256, 257, 511, 512, 1000, 1 << 20, 1<<40 + 12345, math.MaxInt64}
	for _, v := range vals {
		i := bucketOf(v)
		if i < 0 || i >= histBuckets {
			t.Fatalf("bucketOf(%d) = %d out of range", v, i)
		}
		lo, hi := bucketRange(i)
		if v < lo || v > hi {
			t.Errorf("value %d in bucket %d = [%d, %d]", v, i, lo, hi)
		}
		if v >= 2*histSub && float64(hi-lo+1)/float64(lo) > 1.0/histSub {
			t.Errorf("bucket %d = [%d, %d] wider than 1/%d", i, lo, hi, histSub)
		}
	}
	// Buckets are contiguous: each starts right after the previous one.
	for i := 1; i < histBuckets; i++ {
		_, prevHi := bucketRange(i - 1)
		lo, _ := bucketRange(i)
		if lo != prevHi+1 {
			t.Fatalf("bucket %d starts at %d, previous ends at %d", i, lo, prevHi)
		}
	}
}

// exactQuantile is the nearest-rank quantile of sorted values.
func exactQuantile(sorted []int64, q float64) int64 {
	rank := int(math.Ceil(q * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

func TestQuantiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name string
		gen  func() int64
	}{
		{"small integers", func() int64 { return rng.Int64N(200) }},
		{"milliseconds in ns", func() int64 { return 100_000 + rng.Int64N(300_000_000) }},
		{"long tail", func() int64 { return int64(math.Exp(rng.Float64()*20)) + 1000 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h Hist
			vals := make([]int64, 20000)
			for i := range vals {
				vals[i] = tt.gen()
				h.Add(vals[i])
			}
			slices.Sort(vals)
			for _, q := range []float64{0, 0.5, 0.9, 0.99, 0.999, 1} {
				got, want := h.Quantile(q), exactQuantile(vals, q)
				if got < want || float64(got-want) > float64(want)/histSub+1 {
					t.Errorf("q%.3f = %d, exact %d", q, got, want)
				}
			}
			if h.Max != vals[len(vals)-1] || h.Min != vals[0] || h.N != uint64(len(vals)) {
				t.Errorf("min/max/n = %d/%d/%d", h.Min, h.Max, h.N)
			}
		})
	}
}

func TestEmptyHist(t *testing.T) {
	var h Hist
	if h.Quantile(0.99) != 0 || h.Mean() != 0 {
		t.Fatal("empty histogram should report 0")
	}
	h.Merge(Hist{})
	if h.N != 0 {
		t.Fatal("merging empty changed N")
	}
}

func TestMergeEqualsCombined(t *testing.T) {
	var a, b, all Hist
	for v := int64(1); v < 100000; v += 7 {
		all.Add(v * 13)
		if v%3 == 0 {
			a.Add(v * 13)
		} else {
			b.Add(v * 13)
		}
	}
	var m Hist
	m.Merge(a)
	m.Merge(b)
	for _, q := range []float64{0.1, 0.5, 0.9, 0.99, 1} {
		if m.Quantile(q) != all.Quantile(q) {
			t.Errorf("q%v: merged %d, combined %d", q, m.Quantile(q), all.Quantile(q))
		}
	}
	if m.N != all.N || m.Sum != all.Sum || m.Min != all.Min || m.Max != all.Max {
		t.Errorf("merged %+v, combined %+v", m, all)
	}
}

func TestHistJSONRoundTrip(t *testing.T) {
	var h Hist
	for _, v := range []int64{5, 500, 5_000_000, 5_000_000, 7} {
		h.Add(v)
	}
	b, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	var back Hist
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.N != h.N || back.Quantile(0.5) != h.Quantile(0.5) || back.Quantile(1) != h.Quantile(1) || back.Min != 5 {
		t.Errorf("round trip: %s → %+v", b, back)
	}
}

func TestRecorderConcurrent(t *testing.T) {
	var r Recorder
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for v := range int64(1000) {
				r.Record(g, v+int64(g))
			}
		}()
	}
	wg.Wait()
	h := r.Snapshot()
	if h.N != 8000 || h.Min != 0 || h.Max != 1006 {
		t.Fatalf("n=%d min=%d max=%d", h.N, h.Min, h.Max)
	}
	if q := h.Quantile(0.5); q < 499 || q > 510 {
		t.Errorf("median %d", q)
	}
}

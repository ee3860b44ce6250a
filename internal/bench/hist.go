package bench

import (
	"encoding/json"
	"math"
	"math/bits"
	"sync/atomic"
)

// Histogram layout: log-linear buckets in the manner of HDR histograms.
// Values below 2*histSub get a bucket each; above, every power of two is cut
// into histSub buckets, so a bucket is at most 1/histSub (0.8 %) wide
// relative to its values. The layout is fixed, so histograms from several
// processes merge by adding counts.
const (
	histSubBits = 7
	histSub     = 1 << histSubBits
	// histBuckets covers every non-negative int64: the top bucket is
	// bucketOf(MaxInt64) = 55*histSub + 255.
	histBuckets = (64 - histSubBits) * histSub
	// recorderShards spreads concurrent Record calls over independent
	// counters so thousands of reader goroutines do not fight over one.
	recorderShards = 8
)

// bucketOf returns the bucket index of v (negative values count as 0).
func bucketOf(v int64) int {
	if v < 2*histSub {
		return int(max(v, 0))
	}
	e := bits.Len64(uint64(v)) - (histSubBits + 1)
	return e*histSub + int(v>>e)
}

// bucketRange returns the smallest and largest value of bucket i.
func bucketRange(i int) (lo, hi int64) {
	if i < 2*histSub {
		return int64(i), int64(i)
	}
	e := i/histSub - 1
	m := int64(i - e*histSub)
	lo = m << e
	return lo, lo + (int64(1) << e) - 1
}

// Hist is a snapshot of recorded values: mergeable, serializable.
type Hist struct {
	counts []uint64 // len histBuckets, or nil while empty
	N      uint64
	Sum    int64
	Min    int64
	Max    int64
}

// Add records one value.
func (h *Hist) Add(v int64) {
	v = max(v, 0)
	if h.counts == nil {
		h.counts = make([]uint64, histBuckets)
	}
	h.counts[bucketOf(v)]++
	if h.N == 0 || v < h.Min {
		h.Min = v
	}
	if v > h.Max {
		h.Max = v
	}
	h.N++
	h.Sum += v
}

// Merge adds o's values to h.
func (h *Hist) Merge(o Hist) {
	if o.N == 0 {
		return
	}
	if h.counts == nil {
		h.counts = make([]uint64, histBuckets)
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.N == 0 || o.Min < h.Min {
		h.Min = o.Min
	}
	h.Max = max(h.Max, o.Max)
	h.N += o.N
	h.Sum += o.Sum
}

// Quantile returns the value at or below which a fraction q of the values
// lie: the top of the bucket holding that rank, clamped to [Min, Max]. It is
// at most 1/128 above the exact value; 0 for an empty histogram.
func (h *Hist) Quantile(q float64) int64 {
	if h.N == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.N)))
	rank = min(max(rank, 1), h.N)
	var seen uint64
	for i, c := range h.counts {
		if seen += c; seen >= rank {
			_, hi := bucketRange(i)
			return min(max(hi, h.Min), h.Max)
		}
	}
	return h.Max
}

// Mean returns the average value, 0 when empty.
func (h *Hist) Mean() float64 {
	if h.N == 0 {
		return 0
	}
	return float64(h.Sum) / float64(h.N)
}

// histJSON is the wire form: only non-empty buckets, as [index, count].
type histJSON struct {
	Buckets [][2]uint64 `json:"buckets"`
	N       uint64      `json:"n"`
	Sum     int64       `json:"sum"`
	Min     int64       `json:"min"`
	Max     int64       `json:"max"`
}

// MarshalJSON writes the sparse form.
func (h Hist) MarshalJSON() ([]byte, error) {
	j := histJSON{Buckets: [][2]uint64{}, N: h.N, Sum: h.Sum, Min: h.Min, Max: h.Max}
	for i, c := range h.counts {
		if c > 0 {
			j.Buckets = append(j.Buckets, [2]uint64{uint64(i), c})
		}
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads the sparse form.
func (h *Hist) UnmarshalJSON(b []byte) error {
	var j histJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*h = Hist{N: j.N, Sum: j.Sum, Min: j.Min, Max: j.Max}
	if len(j.Buckets) > 0 {
		h.counts = make([]uint64, histBuckets)
		for _, b := range j.Buckets {
			if b[0] < histBuckets {
				h.counts[b[0]] += b[1]
			}
		}
	}
	return nil
}

// Recorder is a histogram many goroutines record into at once.
type Recorder struct {
	shards [recorderShards]recShard
}

type recShard struct {
	counts [histBuckets]atomic.Uint64
	n      atomic.Uint64
	sum    atomic.Int64
	min    atomic.Int64 // stored as value+1 so 0 means unset
	max    atomic.Int64
}

// Record adds v; hint (e.g. a connection number) picks the shard.
func (r *Recorder) Record(hint int, v int64) {
	v = max(v, 0)
	s := &r.shards[uint(hint)%recorderShards]
	s.counts[bucketOf(v)].Add(1)
	s.n.Add(1)
	s.sum.Add(v)
	for {
		old := s.min.Load()
		if old != 0 && old-1 <= v || s.min.CompareAndSwap(old, v+1) {
			break
		}
	}
	for {
		old := s.max.Load()
		if old >= v || s.max.CompareAndSwap(old, v) {
			break
		}
	}
}

// Snapshot returns what was recorded so far.
func (r *Recorder) Snapshot() Hist {
	var h Hist
	for i := range r.shards {
		s := &r.shards[i]
		n := s.n.Load()
		if n == 0 {
			continue
		}
		o := Hist{counts: make([]uint64, histBuckets), N: n, Sum: s.sum.Load(), Min: s.min.Load() - 1, Max: s.max.Load()}
		for j := range s.counts {
			o.counts[j] = s.counts[j].Load()
		}
		h.Merge(o)
	}
	return h
}

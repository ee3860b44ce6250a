package bench

import (
	"log/slog"
	"maps"
	"slices"
	"sync"
)

// errorTally counts a scenario's failures by code, for the summary, and
// keeps each code's first failure in words, for the log: a count says how
// often something failed, not why (a refused send, a timeout, a 503).
// The zero value is ready; it is safe for concurrent use.
type errorTally struct {
	mu     sync.Mutex
	counts map[string]int64
	first  map[string]string
}

// add counts one failure of code; why describes it.
func (t *errorTally) add(code, why string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.addLocked(code, 1, why)
}

// merge adds failures counted elsewhere (a worker's snapshot); a code's
// first failure stays the one this tally saw first.
func (t *errorTally) merge(counts map[string]int64, first map[string]string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for code, n := range counts {
		t.addLocked(code, n, first[code])
	}
}

func (t *errorTally) addLocked(code string, n int64, why string) {
	if t.counts == nil {
		t.counts, t.first = map[string]int64{}, map[string]string{}
	}
	if t.counts[code] == 0 {
		t.first[code] = why
	}
	t.counts[code] += n
}

// snapshot returns copies of the counts and first failures by code (nil:
// none), for a worker's Result: a worker may run in a child process, so
// its failures travel to the run's tally (merge) as data.
func (t *errorTally) snapshot() (map[string]int64, map[string]string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.counts) == 0 {
		return nil, nil
	}
	return maps.Clone(t.counts), maps.Clone(t.first)
}

// report adds the counts to s's errors and logs each code's count and
// first failure, codes in order.
func (t *errorTally) report(s *Summary, log *slog.Logger) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, code := range slices.Sorted(maps.Keys(t.counts)) {
		log.Warn("errors", "code", code, "count", t.counts[code], "first", t.first[code])
	}
	s.Errors = mergeErrors(s.Errors, t.counts)
}

package ws

// bucket is a token bucket refilled lazily from the clock on each call: no
// timer, 16 bytes, used only by its connection's reading goroutine.
type bucket struct {
	tokens float64
	last   int64 // unix nanoseconds of the last refill; 0 = never used
}

// allow takes a token if one is available at now (unix nanoseconds). The
// bucket starts full.
func (b *bucket) allow(now int64, rate float64, burst int) bool {
	if b.last == 0 {
		b.tokens = float64(burst)
	} else if now > b.last {
		b.tokens += float64(now-b.last) / 1e9 * rate
	}
	b.tokens = min(b.tokens, float64(burst))
	b.last = max(now, b.last)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

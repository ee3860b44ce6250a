package memory

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// DefaultRateLimitKeys bounds the keys a RateLimiter tracks.
const DefaultRateLimitKeys = 100_000

// rateSweepEvery is how often Allow forgets the keys whose buckets are full.
const rateSweepEvery = time.Minute

// RateLimiter is an in-process chat.RateLimiter: one GCRA timestamp per
// (limit, key). A key whose bucket is full again carries no information and
// is forgotten (swept every minute, and whenever the table is full). When
// the table is still full, the quarter of keys nearest to full are dropped:
// memory stays bounded, and what is forgotten is what matters least.
type RateLimiter struct {
	now     func() time.Time
	maxKeys int

	mu        sync.Mutex
	tats      map[rateKey]int64 // unix ns after which the bucket is full
	lastSweep int64
}

type rateKey struct{ limit, key string }

var _ chat.RateLimiter = (*RateLimiter)(nil)

// NewRateLimiter returns an empty limiter tracking at most maxKeys keys
// (0: DefaultRateLimitKeys). now may be nil (time.Now).
func NewRateLimiter(maxKeys int, now func() time.Time) *RateLimiter {
	if maxKeys <= 0 {
		maxKeys = DefaultRateLimitKeys
	}
	if now == nil {
		now = time.Now
	}
	return &RateLimiter{now: now, maxKeys: maxKeys, tats: map[rateKey]int64{}}
}

// Allow implements chat.RateLimiter.
func (r *RateLimiter) Allow(_ context.Context, l chat.Limit, key string) (chat.RateDecision, error) {
	now := r.now().UnixNano()
	k := rateKey{l.Name, key}
	r.mu.Lock()
	defer r.mu.Unlock()
	if now-r.lastSweep > int64(rateSweepEvery) {
		r.sweep(now)
	}
	tat, known := r.tats[k]
	next, d := chat.GCRA(l, tat, now)
	if !d.Allowed {
		return d, nil
	}
	if !known && len(r.tats) >= r.maxKeys {
		r.sweep(now)
		if len(r.tats) >= r.maxKeys {
			r.evictNearestFull()
		}
	}
	r.tats[k] = next
	return d, nil
}

// Len is how many keys the limiter tracks.
func (r *RateLimiter) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.tats)
}

// sweep forgets full buckets. r.mu is held.
func (r *RateLimiter) sweep(now int64) {
	r.lastSweep = now
	for k, tat := range r.tats {
		if tat <= now {
			delete(r.tats, k)
		}
	}
}

// evictNearestFull drops the quarter of keys with the earliest full time.
// r.mu is held.
func (r *RateLimiter) evictNearestFull() {
	tats := make([]int64, 0, len(r.tats))
	for _, t := range r.tats {
		tats = append(tats, t)
	}
	slices.Sort(tats)
	cut := tats[len(tats)/4]
	for k, t := range r.tats {
		if t <= cut {
			delete(r.tats, k)
		}
	}
}

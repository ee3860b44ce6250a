package chat

import "time"

// Cache use cases and outcomes, the labels of cache metrics.
const (
	CacheRooms    = "rooms"
	CacheMessages = "messages"

	CacheHit      = "hit"      // answered from the cache
	CacheMiss     = "miss"     // not cached (or not provably exact); loaded from the store
	CacheFallback = "fallback" // the cache failed; the store answered
	CacheError    = "error"    // a cache write failed

	RateLimitOutcomeRefused = "refused" // a request over its limit was refused
	RateLimitOutcomeError   = "error"   // the limiter failed; the limit's failure policy decided
)

// Metrics receives what the application counts. internal/metrics implements
// it with Prometheus; NopMetrics discards.
type Metrics interface {
	Cache(useCase, outcome string)
	MessagePosted()
	MessagesDelivered(n int)
	WSConnections(delta int)
	HTTPRequest(route string, status int, d time.Duration)
	MailSent(outcome string)
	// RateLimited counts a refusal or a limiter failure of the named limit.
	RateLimited(limit, outcome string)
}

// NopMetrics discards every observation.
type NopMetrics struct{}

func (NopMetrics) Cache(string, string)                   {}
func (NopMetrics) MessagePosted()                         {}
func (NopMetrics) MessagesDelivered(int)                  {}
func (NopMetrics) WSConnections(int)                      {}
func (NopMetrics) HTTPRequest(string, int, time.Duration) {}
func (NopMetrics) MailSent(string)                        {}
func (NopMetrics) RateLimited(string, string)             {}

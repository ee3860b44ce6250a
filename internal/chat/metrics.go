package chat

import "time"

// Cache use cases and outcomes, the labels of cache metrics.
const (
	CacheRooms    = "rooms"
	CacheMessages = "messages"
	// CacheRecent: a WebSocket resume replayed from a room's recent changes
	// in the instance's memory (hit), or not (miss: messages or the store).
	CacheRecent = "recent"
	// CachePresence: a WebSocket subscriber's presence frame, the room's
	// kept one (hit) or looked up (miss).
	CachePresence = "presence"

	CacheHit      = "hit"      // answered from the cache
	CacheMiss     = "miss"     // not cached (or not provably exact); loaded from the store
	CacheFallback = "fallback" // the cache failed; the store answered
	CacheError    = "error"    // a cache write failed

	RateLimitOutcomeRefused = "refused" // a request over its limit was refused
	RateLimitOutcomeError   = "error"   // the limiter failed; the limit's failure policy decided

	// LimitWSPerUser names the WebSocket connections-per-user cap in
	// rate-limit metrics (the ws layer enforces it, not a RateLimiter).
	LimitWSPerUser = "ws-per-user"
	// LimitConnsPerIP and LimitConnsTotal name the connection caps
	// (--max-conns-per-ip, --max-conns) that internal/edge enforces.
	LimitConnsPerIP = "conns-per-ip"
	LimitConnsTotal = "conns-total"

	// Who ended a WebSocket, a label of WSClosed.
	CloseByServer = "server" // the server sent the first close frame
	CloseByClient = "client" // the client did
	CloseByNone   = "none"   // no close frame: the connection dropped (code 1006)

	// Why a WebSocket hub read a room's changes from the store, a label of
	// HubFill.
	HubFillGap    = "gap"    // a change arrived before earlier ones
	HubFillResync = "resync" // the broker connection came back
	HubFillBehind = "behind" // the position check found the room behind the store
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
	// DeliveryLatency is the time from a message's commit (its created_at)
	// to the socket write that carried it, observed once per write.
	DeliveryLatency(d time.Duration)
	// WSClosed counts an ended WebSocket by close code and initiator
	// (CloseByServer, CloseByClient, CloseByNone).
	WSClosed(code int, by string)
	// StoreOp times one chat.Store call; err is its result (nil, a domain
	// error, or a failure).
	StoreOp(op string, d time.Duration, err error)
	// RedisOp times one Redis command or pipeline (cmd: its name, or
	// "pipeline"); err is nil or a failure (a cache miss is no error).
	RedisOp(cmd string, d time.Duration, err error)
	// GroupCommit records one group-commit transaction: how long each
	// message it carried queued behind the transaction before it, and its
	// own time.
	GroupCommit(waits []time.Duration, took time.Duration)
	// HubFill counts a WebSocket hub's fill of a room from the store, by
	// reason (HubFillGap, HubFillResync, HubFillBehind).
	HubFill(reason string)
}

// PoolStats is one database connection pool's state, for operators.
type PoolStats struct {
	Pool     string // e.g. "writer", "reader", "main"
	Max      int    // the cap on open connections
	Open     int
	InUse    int
	Idle     int
	Waits    int64         // cumulative: acquisitions that had to wait
	WaitTime time.Duration // cumulative time spent waiting
	// Cumulative: connections the pool opened (at start, to grow, or to
	// replace one), and those it closed for sitting idle or for their
	// age. Opened - Open - ClosedIdle - ClosedOld is the ones that broke.
	Opened, ClosedIdle, ClosedOld int64
}

// NopMetrics discards every observation.
type NopMetrics struct{}

func (NopMetrics) Cache(string, string)                       {}
func (NopMetrics) MessagePosted()                             {}
func (NopMetrics) MessagesDelivered(int)                      {}
func (NopMetrics) WSConnections(int)                          {}
func (NopMetrics) HTTPRequest(string, int, time.Duration)     {}
func (NopMetrics) MailSent(string)                            {}
func (NopMetrics) RateLimited(string, string)                 {}
func (NopMetrics) DeliveryLatency(time.Duration)              {}
func (NopMetrics) WSClosed(int, string)                       {}
func (NopMetrics) StoreOp(string, time.Duration, error)       {}
func (NopMetrics) RedisOp(string, time.Duration, error)       {}
func (NopMetrics) GroupCommit([]time.Duration, time.Duration) {}
func (NopMetrics) HubFill(string)                             {}

// Package ws delivers chat in real time over WebSockets: one session per
// connection (frames in docs/protocol.md), and a hub that holds one upstream
// PubSub subscription per room with local subscribers, encodes each event
// once per room and hands the same bytes to every subscriber's bounded queue.
package ws

import "time"

// Defaults of Config. Each bounds what one connection may cost the server.
const (
	// DefaultSendQueue is how many outgoing entries may wait for a
	// connection's writer; a connection whose queue is full when a message
	// arrives is too slow and is closed with 1013 (try again later).
	DefaultSendQueue = 256
	// DefaultMaxFrameBytes is the largest client frame; a bigger one closes
	// the connection with 1009. It fits a maximal message body with escapes.
	DefaultMaxFrameBytes = 32 << 10
	// DefaultMaxPerUser bounds one user's connections on one instance (its
	// tabs and devices); one more is answered 429.
	DefaultMaxPerUser = 32
	// DefaultMaxSubscriptions bounds the rooms one connection subscribes to.
	DefaultMaxSubscriptions = 500
	// DefaultPingInterval: a connection silent this long gets a WebSocket ping.
	DefaultPingInterval = 25 * time.Second
	// DefaultIdleTimeout: a connection silent this long (no frame, no pong)
	// is closed with 1008.
	DefaultIdleTimeout = 60 * time.Second
	// DefaultPresenceRefresh is how often the hub re-touches every local
	// presence entry, in one batch; it must stay well below the TTL.
	DefaultPresenceRefresh = 20 * time.Second
	// DefaultPresenceTTL is the Presence adapter's TTL (the lead builds the
	// adapter with the same value); entries of a dead instance vanish after it.
	DefaultPresenceTTL = 60 * time.Second
	// DefaultPresenceDebounce: at most one presence frame per room per period.
	DefaultPresenceDebounce = 2 * time.Second
	// DefaultPresenceListMax caps the users listed in a presence frame; the
	// count is always exact.
	DefaultPresenceListMax = 100
	// DefaultGapWait is how long the hub waits for a message that arrived
	// out of order (seq gap) before reading it from the store.
	DefaultGapWait = 100 * time.Millisecond
	// DefaultWriters is the size of the writer pool: enough that a few
	// sockets slow to take a write slice do not idle the CPUs.
	DefaultWriters = 16
	// DefaultRoomLinger is how long a room stays subscribed upstream after
	// its last local subscriber left, for clients that come back (recent.go).
	DefaultRoomLinger = time.Minute
	// DefaultPositionCheck is how often the hub compares its rooms with the
	// store's heads (position.go): a change whose publish was lost reaches
	// subscribers within two of these.
	DefaultPositionCheck = 10 * time.Second
	// DefaultWriteTimeout: the send queue bound and the keepalive sweep
	// usually act first.
	DefaultWriteTimeout = 30 * time.Second
	// maxIDLen bounds room ids and refs in client frames.
	maxIDLen = 64
)

// Config holds the limits of the WebSocket endpoint. Zero fields take the
// defaults above.
type Config struct {
	// AllowedOrigins lists browser origins allowed besides the server's own
	// host: "host[:port]" or "scheme://host[:port]", path.Match patterns.
	AllowedOrigins []string
	// InstanceID names this process in the hello frame.
	InstanceID string

	// MaxPerUser bounds a user's connections to this instance; the count is
	// per instance (a user may hold MaxPerUser on each).
	MaxPerUser       int
	SendQueue        int
	MaxFrameBytes    int64
	MaxSubscriptions int

	PingInterval time.Duration
	IdleTimeout  time.Duration

	PresenceRefresh  time.Duration
	PresenceTTL      time.Duration
	PresenceDebounce time.Duration
	PresenceListMax  int

	GapWait time.Duration
	// RoomLinger: see DefaultRoomLinger; negative ends a room with its last
	// subscriber.
	RoomLinger time.Duration
	// PositionCheck: see DefaultPositionCheck; negative turns it off.
	PositionCheck time.Duration

	// Writers is the size of the pool that writes connections' output.
	Writers int
	// WriteTimeout bounds one write of a connection's own writer (a socket
	// too slow for the pool's slice); past it the socket is closed (the
	// stream may end inside a frame, so without a close frame).
	WriteTimeout time.Duration

	// NoIdlePoller reads every connection on a goroutine of its own, as on
	// systems without epoll (tests of that path).
	NoIdlePoller bool
}

func (c Config) withDefaults() Config {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	dur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.MaxPerUser, DefaultMaxPerUser)
	def(&c.SendQueue, DefaultSendQueue)
	def(&c.MaxSubscriptions, DefaultMaxSubscriptions)
	def(&c.PresenceListMax, DefaultPresenceListMax)
	def(&c.Writers, DefaultWriters)
	if c.MaxFrameBytes <= 0 {
		c.MaxFrameBytes = DefaultMaxFrameBytes
	}
	dur(&c.PingInterval, DefaultPingInterval)
	dur(&c.IdleTimeout, DefaultIdleTimeout)
	dur(&c.PresenceRefresh, DefaultPresenceRefresh)
	dur(&c.PresenceTTL, DefaultPresenceTTL)
	dur(&c.PresenceDebounce, DefaultPresenceDebounce)
	dur(&c.GapWait, DefaultGapWait)
	dur(&c.WriteTimeout, DefaultWriteTimeout)
	if c.RoomLinger == 0 {
		c.RoomLinger = DefaultRoomLinger
	}
	if c.PositionCheck == 0 {
		c.PositionCheck = DefaultPositionCheck
	}
	if c.IdleTimeout <= c.PingInterval {
		c.IdleTimeout = 2 * c.PingInterval // a pong must have time to come back
	}
	if c.PresenceRefresh > c.PresenceTTL/2 {
		c.PresenceRefresh = c.PresenceTTL / 2 // two chances to refresh before expiry
	}
	return c
}

// sweepInterval is how often the hub checks connections for keepalive.
func (c Config) sweepInterval() time.Duration { return c.PingInterval / 2 }

// pongWait is how long a peer has to answer a ping that went out, counted
// from when a writer took it: a ping taken at once by the first sweep past
// PingInterval (at worst one sweepInterval late) still makes the close
// fall at IdleTimeout's sweep, so only a late ping moves it.
func (c Config) pongWait() time.Duration {
	return max(c.IdleTimeout-c.PingInterval-c.sweepInterval(), c.sweepInterval())
}

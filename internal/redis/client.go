// Package redis implements chat.Cache, chat.PubSub, chat.Presence and
// chat.RateLimiter on Redis, so that several instances on one database act
// as one server. The key layout and the reasons for it are in docs/cache.md.
package redis

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/trace"

	"github.com/open-chat/openchat/internal/chat"
)

// Defaults of Options.
const (
	DefaultTimeout         = 50 * time.Millisecond
	DefaultCommandTimeout  = time.Second
	DefaultRoomsTTL        = 10 * time.Second
	DefaultMessagesPerRoom = 50
	DefaultMessagesTTL     = 24 * time.Hour
	DefaultPresenceTTL     = 30 * time.Second
)

// Options configure a Client. Zero values take the defaults.
type Options struct {
	// Prefix starts every key and channel name, so tests and tenants can
	// share a Redis.
	Prefix string
	// InstanceID names this instance in presence entries; default a new id.
	InstanceID string
	// Timeout bounds each cache call, so a slow Redis makes the Service fall
	// back to the database quickly (default 50ms).
	Timeout time.Duration
	// CommandTimeout bounds publish, subscribe and presence calls when the
	// caller's context has no earlier deadline (default 1s).
	CommandTimeout time.Duration
	// RoomsTTL is how long a filled room list stays complete (default 10s);
	// write-through keeps it fresh, the TTL is a safety net.
	RoomsTTL time.Duration
	// MessagesPerRoom is how many newest messages per room are kept (default 50).
	MessagesPerRoom int
	// MessagesTTL expires the cache of a room nobody writes to or fills
	// (default 24h): a safety net that also frees idle rooms.
	MessagesTTL time.Duration
	// PresenceTTL is how long a presence entry lives after its last touch
	// (default 30s); instances re-touch more often than that.
	PresenceTTL time.Duration
	// Metrics times every command (nil: none).
	Metrics chat.Metrics
	// TracerProvider, when set, gives every command a span.
	TracerProvider trace.TracerProvider
}

func (o *Options) defaults() {
	if o.InstanceID == "" {
		o.InstanceID = chat.NewID()
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.CommandTimeout <= 0 {
		o.CommandTimeout = DefaultCommandTimeout
	}
	if o.RoomsTTL <= 0 {
		o.RoomsTTL = DefaultRoomsTTL
	}
	if o.MessagesPerRoom <= 0 {
		o.MessagesPerRoom = DefaultMessagesPerRoom
	}
	if o.MessagesTTL <= 0 {
		o.MessagesTTL = DefaultMessagesTTL
	}
	if o.PresenceTTL <= 0 {
		o.PresenceTTL = DefaultPresenceTTL
	}
}

// Client is one instance's connection to Redis: a command pool shared by
// the cache and presence, and one PubSub connection.
type Client struct {
	rdb      *goredis.Client
	opts     Options
	log      *slog.Logger
	cache    *Cache
	pubsub   *PubSub
	presence *Presence
	limiter  *RateLimiter
}

// Open connects to url (redis://[user:pass@]host:port/db) and checks that
// Redis answers.
func Open(ctx context.Context, url string, opts Options, log *slog.Logger) (*Client, error) {
	opts.defaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ro, err := goredis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis: parse url: %w", err)
	}
	// Let each call's context deadline bound the socket reads and writes;
	// without this go-redis waits for its own 3-5s timeouts.
	ro.ContextTimeoutEnabled = true
	// No CLIENT SETINFO on each new connection: Redis before 7.2 refuses
	// it, which go-redis ignores but the command metrics would count.
	ro.DisableIdentity = true
	rdb := goredis.NewClient(ro)
	if err := observe(rdb, opts); err != nil {
		_ = rdb.Close()
		return nil, err
	}
	pctx, cancel := context.WithTimeout(ctx, opts.CommandTimeout)
	defer cancel()
	if err := rdb.Ping(pctx).Err(); err != nil {
		_ = rdb.Close()
		return nil, fmt.Errorf("redis: ping %s: %w", ro.Addr, err)
	}
	c := &Client{rdb: rdb, opts: opts, log: log}
	c.cache = newCache(rdb, opts)
	c.presence = newPresence(rdb, opts)
	c.pubsub = newPubSub(rdb, opts, log)
	c.limiter = newRateLimiter(rdb, opts)
	return c, nil
}

// Cache returns the Redis chat.Cache.
func (c *Client) Cache() chat.Cache { return c.cache }

// PubSub returns the Redis chat.PubSub.
func (c *Client) PubSub() chat.PubSub { return c.pubsub }

// Presence returns the Redis chat.Presence.
func (c *Client) Presence() chat.Presence { return c.presence }

// RateLimiter returns the Redis chat.RateLimiter.
func (c *Client) RateLimiter() chat.RateLimiter { return c.limiter }

// Ping checks that Redis answers (for readiness probes).
func (c *Client) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, c.opts.CommandTimeout)
	defer cancel()
	return c.rdb.Ping(ctx).Err()
}

// Close stops the PubSub and closes every connection.
func (c *Client) Close() error {
	err := c.pubsub.Close()
	if e := c.rdb.Close(); err == nil {
		err = e
	}
	return err
}

// withTimeout bounds ctx by d unless it already ends sooner.
func withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, d)
}

// Keys. Related keys share a {hash tag} so scripts touching them also work
// on Redis Cluster.
func (o *Options) roomsKey() string         { return o.Prefix + "{rooms}" }
func (o *Options) roomsCompleteKey() string { return o.Prefix + "{rooms}:complete" }
func (o *Options) msgsKey(room string) string {
	return o.Prefix + "{msgs:" + room + "}"
}
func (o *Options) msgsLoKey(room string) string {
	return o.Prefix + "{msgs:" + room + "}:lo"
}
func (o *Options) presenceKey(room string) string {
	return o.Prefix + "presence:{" + room + "}"
}
func (o *Options) onlineKey(user string) string {
	return o.Prefix + "online:{" + user + "}"
}
func (o *Options) channel(ch string) string { return o.Prefix + ch }

// rateKey is one rate-limit bucket. Limit names never hold "/", so a key
// holding one cannot collide with another name's key.
func (o *Options) rateKey(limit, key string) string {
	return o.Prefix + "ratelimit:" + limit + "/" + key
}

package chat

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"
)

// Service holds the rules: validation, authorization, and the order of
// effects (commit, then cache write-through, then publish). Transports call
// it; it calls the adapters through the domain interfaces.
type Service struct {
	store   Store
	cache   Cache
	pubsub  PubSub
	hasher  PasswordHasher
	metrics Metrics
	log     *slog.Logger
	now     Clock
	cfg     ServiceConfig
	limits  *limits

	limiter         RateLimiter // nil: no limits
	limiterFallback RateLimiter // decides fail-closed limits when limiter fails

	mu    sync.Mutex
	dummy string          // hash verified for unknown usernames
	dirty map[string]bool // rooms whose cached messages may be stale until invalidated

	sessions  map[string]sessionEntry  // token hash → user, see service_sessions.go
	onRevoked []func(tokenHash string) // see OnSessionRevoked; guarded by mu
	onMember  []func(Event)            // see OnMemberEvent; guarded by mu

	members  *memberCache // see membercache.go
	userRefs userRefs     // see userrefs.go
	reads    readMarks    // see readmarks.go

	files      FilesConfig    // see service_uploads.go
	background sync.WaitGroup // work a shutdown waits for: thumbnails, publish retries
	thumbSlots chan struct{}  // bounds them
	uploadMem  *uploadMemory  // bounds upload bodies in memory
}

// ServiceConfig holds the Service's limits.
type ServiceConfig struct {
	// CachedMessages is how many newest messages per room the cache holds;
	// latest-page reads with limit <= CachedMessages are served from it.
	CachedMessages int
	// CatchUpMax bounds a catch-up replay; more missed messages give a
	// truncated replay of the newest CatchUpMax.
	CatchUpMax int
	// Limits are the rate limits by name (LimitSpecs lists them); a limit
	// not listed is off.
	Limits []Limit
	// EraseOnDelete: deleting an account turns its messages into
	// tombstones too; otherwise they stay, by "Deleted user".
	EraseOnDelete bool
}

// Deps are the Service's collaborators. Metrics, Log and Now may be nil.
type Deps struct {
	Store   Store
	Cache   Cache
	PubSub  PubSub
	Hasher  PasswordHasher
	Metrics Metrics
	Log     *slog.Logger
	Now     Clock
	Config  ServiceConfig
	// RateLimiter enforces Config.Limits; nil enforces none.
	// RateLimiterFallback (in-process) decides the fail-closed limits while
	// RateLimiter fails (see LimitSpec.FailOpen); it may be nil.
	RateLimiter         RateLimiter
	RateLimiterFallback RateLimiter
	// Files configures uploads; without Files.Blobs they are off.
	Files FilesConfig
}

// Defaults of ServiceConfig.
const (
	DefaultCachedMessages = 50
	DefaultCatchUpMax     = 1000
)

// NewService wires a Service.
func NewService(d Deps) *Service {
	s := &Service{store: d.Store, cache: d.Cache, pubsub: d.PubSub, hasher: d.Hasher,
		metrics: d.Metrics, log: d.Log, now: d.Now, cfg: d.Config, dirty: map[string]bool{},
		sessions: map[string]sessionEntry{}, members: newMemberCache(), limits: newLimits(d.Config.Limits),
		limiter: d.RateLimiter, limiterFallback: d.RateLimiterFallback, files: d.Files.withDefaults()}
	s.thumbSlots = make(chan struct{}, s.files.ThumbWorkers)
	s.uploadMem = newUploadMemory(s.files.MemoryBytes, s.files.MaxBytes)
	if s.metrics == nil {
		s.metrics = NopMetrics{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.cfg.CachedMessages <= 0 {
		s.cfg.CachedMessages = DefaultCachedMessages
	}
	if s.cfg.CatchUpMax <= 0 {
		s.cfg.CatchUpMax = DefaultCatchUpMax
	}
	return s
}

// Config returns the Service's limits.
func (s *Service) Config() ServiceConfig { return s.cfg }

// Ready reports whether the store answers.
func (s *Service) Ready(ctx context.Context) error { return s.store.Ping(ctx) }

// RepairCache retries, every interval until ctx ends, the invalidation of
// rooms whose cache write-through failed, so that a cache that comes back
// after an outage cannot serve what it missed.
func (s *Service) RepairCache(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.mu.Lock()
		rooms := make([]string, 0, len(s.dirty))
		for id := range s.dirty {
			rooms = append(rooms, id)
		}
		s.mu.Unlock()
		for _, id := range rooms {
			if err := s.cache.InvalidateMessages(ctx, id); err == nil {
				s.setDirty(id, false)
			}
		}
	}
}

func (s *Service) setDirty(roomID string, dirty bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if dirty {
		s.dirty[roomID] = true
	} else {
		delete(s.dirty, roomID)
	}
}

func (s *Service) isDirty(roomID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dirty[roomID]
}

// publish sends an event; a failure is logged, not returned: the message is
// committed and subscribers recover it by seq from the store.
func (s *Service) publish(ctx context.Context, channel string, e Event) {
	b, err := EncodeEvent(e)
	s.publishBytes(ctx, channel, e, b, err)
}

// publishMessage is publish for an event whose message is already encoded
// (raw), without encoding it again.
func (s *Service) publishMessage(ctx context.Context, channel string, e Event, raw json.RawMessage) {
	b, err := encodeMessageEvent(e, raw)
	s.publishBytes(ctx, channel, e, b, err)
}

// publishBytes publishes e, encoded as b (or logs err, the encoding's). A
// change event or a session eviction that fails is published again in the
// background (publish_retry.go).
func (s *Service) publishBytes(ctx context.Context, channel string, e Event, b []byte, err error) {
	if err == nil {
		err = s.pubsub.Publish(ctx, channel, b)
		if err != nil && republishable(channel, e) {
			s.republishLater(ctx, channel, e.Type, b)
		}
	}
	if err != nil {
		s.log.WarnContext(ctx, "publish failed", "channel", channel, "type", e.Type, "err", err)
	}
}

// republishLater starts republish in the background. (Its own function: a
// closure in publishBytes moved e to the heap on every publish.)
func (s *Service) republishLater(ctx context.Context, channel, typ string, b []byte) {
	s.background.Go(func() { s.republish(ctx, channel, typ, b) })
}

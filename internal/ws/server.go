package ws

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/origin"
)

// Server is the WebSocket endpoint (GET /api/v1/ws) and the hub behind it.
type Server struct {
	cfg     Config
	svc     *chat.Service
	ps      chat.PubSub
	pr      chat.Presence
	metrics chat.Metrics
	log     *slog.Logger

	// ctx bounds the service calls of sessions and background fills; it
	// ends when Shutdown gives up waiting.
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	conns   map[*conn]struct{}
	byUser  map[string]map[*conn]struct{} // the same connections by user id
	perUser map[string]int                // connections per user ID, upgrades in progress included
	closing bool
	wg      sync.WaitGroup // one per ServeHTTP call past the checks

	roomsMu    sync.Mutex
	rooms      map[string]*room
	recentUsed atomic.Int64 // bytes of the rooms' recent changes (recent.go)

	presMu    sync.Mutex
	presCount map[chat.PresenceEntry]int // local connections per entry
	pb        presenceBatch              // presence writes not yet taken by a writer

	presWatchMu sync.Mutex
	presUnsub   func() // ends the presenceChannel subscription; nil until watchPresence

	readBufs   sync.Pool    // *bytes.Buffer, lent while a frame is decoded
	writeBufs  sync.Pool    // *[]byte, lent while a batch of frames is written
	writeLists sync.Pool    // *[]*conn, lent to accept: a small room's sockets to write
	ready      chan *conn   // connections waiting for a pool writer
	handlers   *handlerPool // the goroutines frames are handled on
	pollOnce   sync.Once
	poller     *idlePoller // idle connections' sockets (read.go); nil: a goroutine each
}

// NewServer builds the endpoint. Call Run for the background loops.
func NewServer(cfg Config, svc *chat.Service, ps chat.PubSub, pr chat.Presence, metrics chat.Metrics, log *slog.Logger) *Server {
	if metrics == nil {
		metrics = chat.NopMetrics{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg.withDefaults(), svc: svc, ps: ps, pr: pr, metrics: metrics, log: log,
		conns: map[*conn]struct{}{}, byUser: map[string]map[*conn]struct{}{}, perUser: map[string]int{},
		rooms: map[string]*room{}, presCount: map[chat.PresenceEntry]int{}, pb: newPresenceBatch()}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.handlers = newHandlerPool(s.ctx)
	s.readBufs.New = func() any { return bytes.NewBuffer(make([]byte, 0, 1024)) }
	s.writeBufs.New = func() any { b := make([]byte, 0, 4096); return &b }
	s.writeLists.New = func() any { w := make([]*conn, 0, inlineFanout); return &w }
	s.ready = make(chan *conn, readyQueue)
	s.startWriters()
	ps.OnResync(s.resync)
	if svc != nil {
		svc.OnSessionRevoked(s.sessionRevoked)
		svc.OnMemberEvent(s.memberEvent)
	}
	return s
}

// sessionRevoked closes the connections of a session signed out on any
// instance: a revoked token must not keep receiving the rooms' messages.
func (s *Server) sessionRevoked(tokenHash string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if c.session == tokenHash {
			c.closeWith(statusSignedOut, "signed out")
		}
	}
}

// ServeHTTP upgrades an authenticated request to a WebSocket session and
// returns: the session is read on frame handlers (read.go), so it does not
// keep the stack the HTTP handler chain grew.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	user, ok := chat.UserFromContext(r.Context())
	if !ok {
		httpError(w, http.StatusUnauthorized, chat.EUNAUTHORIZED, "sign in first")
		return
	}
	if !s.originAllowed(r) {
		httpError(w, http.StatusForbidden, chat.EFORBIDDEN, "cross-origin WebSocket connections from this origin are not allowed")
		return
	}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		httpError(w, http.StatusServiceUnavailable, chat.EUNAVAILABLE, "server is shutting down")
		return
	}
	if s.perUser[user.ID] >= s.cfg.MaxPerUser {
		s.mu.Unlock()
		s.metrics.RateLimited(chat.LimitWSPerUser, chat.RateLimitOutcomeRefused)
		httpError(w, http.StatusTooManyRequests, chat.ERATELIMITED,
			fmt.Sprintf("at most %d WebSocket connections per user; close one first", s.cfg.MaxPerUser))
		return
	}
	s.perUser[user.ID]++
	s.wg.Add(1)
	s.mu.Unlock()

	sk, err := upgrade(w, r)
	if err != nil {
		s.log.Debug("websocket upgrade failed", "err", err)
		s.userGone(user.ID)
		s.wg.Done()
		return // upgrade answered the request
	}
	c := &conn{srv: s, sk: sk, user: user, session: chat.SessionFromContext(r.Context()), subs: map[string]*sub{}}
	c.seen()
	s.mu.Lock()
	s.conns[c] = struct{}{}
	if s.byUser[user.ID] == nil {
		s.byUser[user.ID] = map[*conn]struct{}{}
	}
	s.byUser[user.ID][c] = struct{}{}
	closing := s.closing
	s.mu.Unlock()
	s.metrics.WSConnections(1)
	if closing { // Shutdown began while we upgraded and did not see us
		c.closeWith(ws.StatusGoingAway, "server shutting down")
	}
	c.push(encode(helloFrame{Type: typeHello, Instance: s.cfg.InstanceID, User: c.user}), pushBounded)
	s.presenceConnect(c.user.ID)
	s.startReading(c)
}

// userGone gives back a connection of the user's MaxPerUser.
func (s *Server) userGone(userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.perUser[userID]--; s.perUser[userID] <= 0 {
		delete(s.perUser, userID)
	}
}

// originAllowed applies the Origin rule: no Origin (non-browser client), the
// request's own host, or a configured origin.
func (s *Server) originAllowed(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	if u, err := url.Parse(o); err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host) {
		return true
	}
	return origin.Allowed(o, s.cfg.AllowedOrigins)
}

func httpError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	type body struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	_ = json.NewEncoder(w).Encode(struct {
		Error body `json:"error"`
	}{body{code, msg}})
}

// Run runs the hub's background loops until ctx ends: the keepalive sweep,
// the batched presence refresh and the debounced presence frames.
func (s *Server) Run(ctx context.Context) {
	sweep := time.NewTicker(s.cfg.sweepInterval())
	defer sweep.Stop()
	refresh := time.NewTicker(s.cfg.PresenceRefresh)
	defer refresh.Stop()
	debounce := time.NewTicker(s.cfg.PresenceDebounce)
	defer debounce.Stop()
	var check <-chan time.Time // nil: never
	if s.cfg.PositionCheck > 0 {
		t := time.NewTicker(s.cfg.PositionCheck)
		defer t.Stop()
		check = t.C
	}
	// The position check reads the store, so it runs beside this loop
	// rather than delaying the keepalive sweep; a tick that finds the last
	// check still running is skipped.
	// Every PresenceRefresh the next flush rechecks every room's set.
	recheck := false
	var checking sync.WaitGroup
	var checkBusy atomic.Bool
	defer checking.Wait()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-sweep.C:
			s.sweep(now)
			s.endIdleRooms(now, s.cfg.RoomLinger)
		case <-refresh.C:
			s.refreshPresence()
			recheck = true
		case <-debounce.C:
			s.flushPresence(ctx, recheck)
			recheck = false
		case <-check:
			if checkBusy.CompareAndSwap(false, true) {
				checking.Go(func() {
					defer checkBusy.Store(false)
					s.checkPositions(ctx)
				})
			}
		}
	}
}

// sweep pings connections that have been silent for PingInterval and closes
// those silent for IdleTimeout: one ticker for all, no timer per connection.
// Silent means nothing arrived: bytes waiting unread in the socket
// (sock.unread) are not silence. And the peer is blamed only for a ping
// that left: one still queued behind a starved writer, or dropped from a
// full queue, is sent again, and the peer gets pongWait from when a writer
// took it (up to twice IdleTimeout in all).
func (s *Server) sweep(now time.Time) {
	ping, idle := s.cfg.PingInterval.Nanoseconds(), s.cfg.IdleTimeout.Nanoseconds()
	wait, at := s.cfg.pongWait().Nanoseconds(), now.UnixNano()
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if c.busy.Load() { // its frames wait behind ours; it is not silent
			continue
		}
		switch silent := at - c.lastSeen.Load(); {
		case silent < ping:
		case silent < idle:
			c.ping()
		case c.sk.unread(): // the peer spoke; its reader has not run yet
		case c.pingUnanswered(at, wait) || silent >= 2*idle:
			c.closeWith(ws.StatusPolicyViolation, "idle timeout")
		case !c.pingPending(): // queued behind a starved writer, or dropped
			c.ping()
		}
	}
}

// Shutdown closes every connection with 1001 (going away) and waits for the
// sessions to end, or for ctx; new upgrades are refused with 503.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	for c := range s.conns {
		c.closeWith(ws.StatusGoingAway, "server shutting down")
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		if s.poller != nil {
			s.poller.close()
		}
		close(done)
	}()
	defer func() {
		s.endIdleRooms(time.Now(), 0) // every room is idle once its sessions end
		s.presWatchMu.Lock()
		if s.presUnsub != nil {
			s.presUnsub()
			s.presUnsub = nil
		}
		s.presWatchMu.Unlock()
	}()
	select {
	case <-done:
		s.cancel()
		return nil
	case <-ctx.Done():
	}
	s.cancel()
	s.mu.Lock()
	for c := range s.conns {
		c.sk.kill()
	}
	s.mu.Unlock()
	return errors.Join(errors.New("ws: shutdown: sessions still open"), ctx.Err())
}

package chat

import (
	"context"
	"slices"
	"time"
)

// Session lookups happen on every request, so each instance keeps the
// answers for a short while instead of asking the database each time.
// Sign-out and profile changes evict entries on every instance through the
// sessions channel; if that message is lost (broker down), an entry lives at
// most SessionCacheTTL, which bounds how long a revoked token still works.
const (
	SessionCacheTTL  = 30 * time.Second
	SessionCacheSize = 100_000 // entries; when full the cache is emptied and refills
	SessionsChannel  = "sessions"
	// SessionTouchInterval is how stale a session's LastSeenAt may get
	// before a request writes it again: at most one write per session per
	// minute, however busy the client.
	SessionTouchInterval = time.Minute

	eventSessionRevoked = "session_revoked"
	eventUserChanged    = "user_changed"
)

type sessionEntry struct {
	user    User
	expires time.Time
}

func (s *Service) cachedSession(hash string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.sessions[hash]
	if !ok || !s.now().Before(e.expires) {
		return User{}, false
	}
	return e.user, true
}

func (s *Service) cacheSession(hash string, u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.sessions) >= SessionCacheSize {
		clear(s.sessions)
	}
	s.sessions[hash] = sessionEntry{user: u, expires: s.now().Add(SessionCacheTTL)}
}

// evictSessions drops one token's entry, or every entry of a user.
func (s *Service) evictSessions(tokenHash, userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if tokenHash != "" {
		delete(s.sessions, tokenHash)
	}
	if userID != "" {
		for h, e := range s.sessions {
			if e.user.ID == userID {
				delete(s.sessions, h)
			}
		}
	}
}

// forgetUser drops what this instance keeps of a user who changed: the
// sessions' copies and the presence name.
func (s *Service) forgetUser(userID string) {
	s.evictSessions("", userID)
	s.userRefs.evict(userID)
}

// revokeSessions ends sessions already deleted from the store: their cache
// entries go here, and on every instance (through the sessions channel)
// along with their open connections (OnSessionRevoked hooks).
func (s *Service) revokeSessions(ctx context.Context, hashes []string) {
	for _, h := range hashes {
		s.evictSessions(h, "")
		s.publish(ctx, SessionsChannel, Event{Type: eventSessionRevoked, TokenHash: h})
	}
}

// OnSessionRevoked registers f to run with the token hash of every session
// signed out, on any instance (once WatchSessions runs), e.g. to close the
// session's open connections. f must not block.
func (s *Service) OnSessionRevoked(f func(tokenHash string)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onRevoked = append(s.onRevoked, f)
}

// WatchSessions subscribes to session revocations and profile changes from
// every instance; after a broker outage it empties the session cache, since
// evictions may have been missed. Call once at start-up.
func (s *Service) WatchSessions(ctx context.Context) error {
	_, err := s.pubsub.Subscribe(ctx, SessionsChannel, func(p []byte) {
		e, err := DecodeEvent(p)
		if err != nil {
			return
		}
		switch e.Type {
		case eventSessionRevoked:
			s.evictSessions(e.TokenHash, "")
			s.mu.Lock()
			hooks := slices.Clone(s.onRevoked)
			s.mu.Unlock()
			for _, f := range hooks {
				f(e.TokenHash)
			}
		case eventUserChanged:
			if e.User != nil {
				s.forgetUser(e.User.ID)
			}
		}
	})
	if err != nil {
		return err
	}
	s.pubsub.OnResync(func() {
		s.mu.Lock()
		clear(s.sessions)
		s.mu.Unlock()
		s.userRefs.evict("")
	})
	return nil
}

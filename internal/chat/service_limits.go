package chat

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"sync/atomic"
	"time"
)

// LimitSpec describes one rate limit: its default, what it is keyed by and
// what happens when the shared limiter (Redis) cannot answer.
type LimitSpec struct {
	Default Limit
	Key     string // what the budget belongs to: "user", "address", "account"
	Counts  string // what one request is
	// FailOpen: a limiter error lets the request through (counted and
	// logged). Otherwise the in-process fallback limiter decides (each
	// instance counts on its own), and without one the request fails with
	// EUNAVAILABLE.
	FailOpen bool
}

// LimitSpecs lists every rate limit with its default: generous for people,
// tight for scripts. The web client and a person typing fast stay well
// inside them.
func LimitSpecs() []LimitSpec {
	l := func(name string, quota int, window time.Duration) Limit {
		return Limit{Name: name, Quota: quota, Window: window}
	}
	return []LimitSpec{
		{l(LimitPosts, 40, 2*time.Second), "user", "a message posted over HTTP or WebSocket", true},
		{l(LimitRooms, 20, time.Hour), "user", "a room created", true},
		{l(LimitInvites, 100, time.Hour), "user", "a person invited to a room, or a direct room opened", true},
		{l(LimitUploads, 30, 10*time.Minute), "user", "a file uploaded", true},
		{l(LimitSearches, 30, time.Minute), "user", "a message search", true},
		{l(LimitExports, 3, time.Hour), "user", "an account export (it reads the whole history)", true},
		{l(LimitTyping, 5, 5*time.Second), "user", "a typing notice", true},
		{l(LimitSignUpAddress, 20, time.Hour), "address", "an account created", false},
		{l(LimitSignInAddress, 20, time.Minute), "address", "a sign-in attempt", false},
		{l(LimitSignInAccount, 10, 30*time.Minute), "account", "a sign-in attempt from a browser not known to the account, or a password change", false},
		{l(LimitResetAddress, 5, time.Hour), "address", "a password-reset request", false},
		{l(LimitSignInAccountShort, 5, time.Minute), "account", "the same, over a short window: with signin-account, 5 attempts at once, then one per 12 s up to 10, then one per 3 min (at most 30 in the first hour, 20 an hour after)", false},
	}
}

// DefaultLimits returns the default of every limit.
func DefaultLimits() []Limit {
	specs := LimitSpecs()
	out := make([]Limit, len(specs))
	for i, s := range specs {
		out[i] = s.Default
	}
	return out
}

// limits is the Service's view of its configured limits.
type limits struct {
	byName   map[string]Limit
	failOpen map[string]bool
	lastWarn atomic.Int64 // unix ns of the last "limiter failed" log line
}

func newLimits(cfg []Limit) *limits {
	l := &limits{byName: map[string]Limit{}, failOpen: map[string]bool{}}
	for _, s := range LimitSpecs() {
		l.failOpen[s.Default.Name] = s.FailOpen
	}
	for _, c := range cfg {
		l.byName[c.Name] = c
	}
	return l
}

// limiterWarnEvery bounds the log lines about a failing limiter: during an
// outage every request would otherwise log one.
const limiterWarnEvery = 10 * time.Second

// Limit charges one request of key (a user id, a client address, an
// account) against the limit called name. It returns nil when allowed, a
// *RateLimitError (code ERATELIMITED) when refused, and EUNAVAILABLE when
// no limiter could decide a fail-closed limit. A limit that is not
// configured, or off, allows everything. Service methods call it; a new
// capability (uploads, search) calls it with its reserved name.
func (s *Service) Limit(ctx context.Context, name, key string) error {
	l, ok := s.limits.byName[name]
	if !ok || !l.Enabled() || s.limiter == nil {
		return nil
	}
	key = limitKey(key)
	d, err := s.limiter.Allow(ctx, l, key)
	if err != nil {
		s.metrics.RateLimited(name, RateLimitOutcomeError)
		if now := time.Now().UnixNano(); now-s.limits.lastWarn.Load() > int64(limiterWarnEvery) {
			s.limits.lastWarn.Store(now)
			s.log.WarnContext(ctx, "rate limiter failed", "limit", name, "fail_open", s.limits.failOpen[name], "err", err)
		}
		switch {
		case s.limits.failOpen[name]:
			return nil
		case s.limiterFallback == nil:
			return Errorf(EUNAVAILABLE, "rate limiter unavailable; try again shortly")
		}
		if d, err = s.limiterFallback.Allow(ctx, l, key); err != nil {
			return Errorf(EUNAVAILABLE, "rate limiter unavailable; try again shortly")
		}
	}
	if d.Allowed {
		return nil
	}
	s.metrics.RateLimited(name, RateLimitOutcomeRefused)
	return newRateLimitError(l, d)
}

// limitKey keeps keys short: client-supplied strings (a username being
// guessed) longer than 64 bytes are hashed.
func limitKey(k string) string {
	if len(k) <= 64 {
		return k
	}
	h := sha256.Sum256([]byte(k))
	return "sha256:" + hex.EncodeToString(h[:])
}

// AddressKey is the rate-limit key of a client's IP address: the address
// itself, or for IPv6 its /64, since one subscriber usually holds a whole
// /64. Anything that is not an IP address is its own key.
func AddressKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	if a = a.Unmap(); a.Is6() {
		p, _ := a.WithZone("").Prefix(64)
		return p.String()
	}
	return a.String()
}

// SignUpFrom is SignUp for a client at ip, limited per address
// (AddressKey). Errors: those of SignUp, ERATELIMITED.
func (s *Service) SignUpFrom(ctx context.Context, ip string, in SignUpInput) (User, error) {
	if err := s.Limit(ctx, LimitSignUpAddress, AddressKey(ip)); err != nil {
		return User{}, err
	}
	return s.SignUp(ctx, in)
}

// SignInAttempt is one sign-in as a transport sees it.
type SignInAttempt struct {
	Username, Password string
	// Client is who is signing in; its Address is limited (AddressKey).
	Client Client
	// Device is the account (normalized username) that the client has
	// proved it signed in to before (the transport checked a signed device
	// cookie), or "".
	Device string
}

// SignInFrom is SignIn limited per address and per account. Attempts at an
// account from clients that have not signed in to it before share one
// budget whatever their address, so guesses spread over many addresses
// are throttled like guesses from one; the owner's known browser skips that
// budget (but not its address's), so an attack does not lock them out.
// The account budget is keyed by the name tried, whether or not it exists,
// so a 429 reveals nothing. Errors: those of SignIn, ERATELIMITED.
func (s *Service) SignInFrom(ctx context.Context, a SignInAttempt) (string, User, error) {
	if err := s.Limit(ctx, LimitSignInAddress, AddressKey(a.Client.Address)); err != nil {
		return "", User{}, err
	}
	if account := NormalizeUsername(a.Username); a.Device == "" || a.Device != account {
		if err := s.limitAccount(ctx, account); err != nil {
			return "", User{}, err
		}
	}
	return s.SignIn(ctx, a.Username, a.Password, a.Client)
}

// limitAccount charges one password attempt at account (a normalized
// username) against both account budgets: the short one first, so that
// its refusals never spend the long one (what the long one's refusals
// spend of the short one comes back in seconds).
func (s *Service) limitAccount(ctx context.Context, account string) error {
	for _, name := range []string{LimitSignInAccountShort, LimitSignInAccount} {
		if err := s.Limit(ctx, name, account); err != nil {
			return err
		}
	}
	return nil
}

package chat

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Names of the rate limits (docs/security.md, "Rate limits"). Each is also
// the policy name in the RateLimit-Policy header and the label of the
// refusal metric, and the flag --ratelimit-<name> sets it.
const (
	LimitPosts              = "posts"                // messages posted per user, HTTP and WebSocket together
	LimitRooms              = "rooms"                // rooms created per user
	LimitInvites            = "invites"              // people invited to rooms, and direct rooms opened, per user
	LimitUploads            = "uploads"              // files uploaded per user
	LimitSearches           = "searches"             // message searches per user
	LimitExports            = "exports"              // account exports per user
	LimitTyping             = "typing"               // typing notices per user
	LimitSignUpAddress      = "signup-address"       // accounts created per client address
	LimitSignInAddress      = "signin-address"       // sign-in attempts per client address
	LimitSignInAccount      = "signin-account"       // sign-in attempts per account, from any address
	LimitSignInAccountShort = "signin-account-short" // the same over a short window: delays grow in two steps
	LimitResetAddress       = "reset-address"        // password-reset requests per client address
)

// Limit is one rate policy, enforced with GCRA (the generic cell rate
// algorithm, a token bucket that stores one timestamp per key): at most
// Quota requests at once, and Quota more per Window after that, evenly
// spaced (one every Window/Quota). A Quota of 0 turns the limit off.
type Limit struct {
	Name   string
	Quota  int
	Window time.Duration
}

// Enabled reports whether the limit refuses anything.
func (l Limit) Enabled() bool { return l.Quota > 0 && l.Window > 0 }

// Interval is the steady spacing of requests: one token comes back per
// Interval.
func (l Limit) Interval() time.Duration { return l.Window / time.Duration(l.Quota) }

// String is the flag syntax: "40/2s", or "off".
func (l Limit) String() string {
	if !l.Enabled() {
		return "off"
	}
	w := l.Window.String()
	for _, u := range []struct {
		d      time.Duration
		suffix string
	}{{time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if l.Window%u.d == 0 {
			w = strconv.FormatInt(int64(l.Window/u.d), 10) + u.suffix
			break
		}
	}
	return strconv.Itoa(l.Quota) + "/" + w
}

// MaxLimitQuota bounds a limit's quota (the burst a key may spend at once).
const MaxLimitQuota = 1_000_000

// ParseLimit reads "QUOTA/WINDOW" (e.g. "40/2s", "20/1h") or "off" into a
// Limit named name. The window is a Go duration of at least one second.
func ParseLimit(name, s string) (Limit, error) {
	s = strings.TrimSpace(s)
	if s == "off" || s == "0" {
		return Limit{Name: name}, nil
	}
	q, w, ok := strings.Cut(s, "/")
	if !ok {
		return Limit{}, fmt.Errorf("rate limit %s: want QUOTA/WINDOW (e.g. 40/2s) or off, got %q", name, s)
	}
	quota, err := strconv.Atoi(q)
	if err != nil || quota < 1 || quota > MaxLimitQuota {
		return Limit{}, fmt.Errorf("rate limit %s: quota must be 1 to %d, got %q", name, MaxLimitQuota, q)
	}
	window, err := time.ParseDuration(w)
	if err != nil || window < time.Second || window > 7*24*time.Hour {
		return Limit{}, fmt.Errorf("rate limit %s: window must be a duration from 1s to 168h, got %q", name, w)
	}
	return Limit{Name: name, Quota: quota, Window: window}, nil
}

// RateDecision is a limiter's answer for one request.
type RateDecision struct {
	Allowed bool
	// Remaining is how many more requests the key may make right now.
	Remaining int
	// RetryAfter is, when refused, how long until one request is allowed.
	RetryAfter time.Duration
	// Reset is how long until the key's whole quota is back.
	Reset time.Duration
}

// RateLimiter counts requests per (limit name, key). internal/memory keeps
// the counts in the process; internal/redis shares them between instances.
// Both are tested by chattest.TestRateLimiter.
type RateLimiter interface {
	// Allow takes one request from key's budget under l, or refuses it
	// without taking anything. l must be Enabled. An error means the
	// limiter could not decide (e.g. Redis down); callers choose whether
	// that allows the request (see Service.Limit).
	Allow(ctx context.Context, l Limit, key string) (RateDecision, error)
}

// GCRA decides one request at now given the key's stored theoretical
// arrival time tat (0 for a new key; all times in nanoseconds). It returns
// the tat to store, unchanged when the request is refused. A key whose tat
// is not after now has its whole quota: implementations may forget it.
func GCRA(l Limit, tat, now int64) (int64, RateDecision) {
	interval, window := int64(l.Interval()), int64(l.Window)
	tat = max(tat, now)
	next := tat + interval
	if allowAt := next - window; now < allowAt {
		return tat, RateDecision{RetryAfter: time.Duration(allowAt - now), Reset: time.Duration(tat - now)}
	}
	return next, RateDecision{Allowed: true, Remaining: int((window - (next - now)) / interval),
		Reset: time.Duration(next - now)}
}

// RateLimitError is the error of a refused request: an ERATELIMITED *Error
// (so ErrorCode and ErrorMessage work as for any error) plus what the
// transports put in headers and frames.
type RateLimitError struct {
	Err      *Error
	Limit    Limit
	Decision RateDecision
}

func (e *RateLimitError) Error() string { return e.Err.Error() }
func (e *RateLimitError) Unwrap() error { return e.Err }

func newRateLimitError(l Limit, d RateDecision) *RateLimitError {
	wait := max(time.Second, d.RetryAfter.Round(time.Second))
	return &RateLimitError{Err: Errorf(ERATELIMITED, "too many requests (%s limit: %d per %s); retry in %s",
		l.Name, l.Quota, l.Window, wait), Limit: l, Decision: d}
}

// Package httpapi is OpenChat's HTTP transport: the versioned JSON API under
// /api/v1, health and readiness probes, and the middleware every response
// goes through. Every route is listed in routes.go; handlers are closures
// that ask for exactly what they use; chat error codes become HTTP statuses
// in one function (errorStatus).
package httpapi

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// Defaults and fixed limits of the HTTP layer.
const (
	// DefaultMaxBodyBytes bounds a request body; larger bodies get 413.
	// A message body is at most 4000 characters (16 KB of UTF-8), so 64 KiB
	// leaves room for JSON escaping without inviting abuse.
	DefaultMaxBodyBytes = 64 << 10
	// ReadyTimeout bounds the database check of GET /readyz.
	ReadyTimeout = 2 * time.Second
	// CORSMaxAge is how long browsers may cache a preflight answer.
	CORSMaxAge = 10 * time.Minute
	// SessionCookie is the name of the session cookie.
	SessionCookie = "openchat_session"
	// DefaultUserSearchLimit is the page size of GET /api/v1/users.
	DefaultUserSearchLimit = 10
)

// Config is the HTTP layer's configuration.
type Config struct {
	// InstanceID is sent as X-Served-By on every response.
	InstanceID string
	// Version is reported by GET /healthz.
	Version string
	// AllowedOrigins may call the API from a browser on another origin
	// (exact match, e.g. "https://chat.example.org"); credentials included.
	AllowedOrigins []string
	// Secret is the HMAC key of unsubscribe links and device cookies;
	// without it those links are refused and no device cookie is issued.
	Secret []byte
	// SecureCookies marks the session cookie Secure (serve over HTTPS).
	SecureCookies bool
	// MaxBodyBytes bounds request bodies; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
}

func (c Config) withDefaults() Config {
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	return c
}

// Deps are the handlers and observers the server delegates to. All may be
// nil except where noted.
type Deps struct {
	// WS serves GET /api/v1/ws after authentication; the signed-in user is
	// in the request context (chat.UserFromContext).
	WS http.Handler
	// Web serves everything outside /api/, /metrics, /healthz and /readyz
	// (the web client); nil answers 404.
	Web http.Handler
	// Metrics observes every request.
	Metrics chat.Metrics
	Log     *slog.Logger
}

// NewServer returns the whole HTTP surface of an instance.
func NewServer(cfg Config, svc *chat.Service, deps Deps) http.Handler {
	cfg = cfg.withDefaults()
	if deps.Log == nil {
		deps.Log = slog.New(slog.DiscardHandler)
	}
	if deps.Metrics == nil {
		deps.Metrics = chat.NopMetrics{}
	}
	mux := http.NewServeMux()
	addRoutes(mux, cfg, svc, deps)
	var h http.Handler = mux
	h = corsMiddleware(cfg.AllowedOrigins, h)
	h = observe(deps.Log, deps.Metrics, mux, h)
	h = servedBy(cfg.InstanceID, h)
	h = withRequestID(h)
	return h
}

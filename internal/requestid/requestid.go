// Package requestid names each HTTP request: the id travels in the
// X-Request-Id header, the request context, every log line written with
// that context, and JSON error bodies, so an operator can find all that one
// request did from what a user reports.
package requestid

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
)

// Header carries the id on requests (from a trusted proxy) and responses.
const Header = "X-Request-Id"

// MaxLen bounds an id taken from a proxy; longer ones are replaced.
const MaxLen = 128

// LogKey is the attribute name of the id in log lines.
const LogKey = "request_id"

// New returns a fresh id: 16 random bytes in hex.
func New() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Valid reports whether s may be used as an id as received: 1 to MaxLen
// printable ASCII characters without spaces, quotes or backslashes, so it
// cannot forge log fields or break out of a header.
func Valid(s string) bool {
	if len(s) == 0 || len(s) > MaxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c > '~' || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

type ctxKey struct{}

// NewContext returns ctx carrying id.
func NewContext(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// FromContext returns the id in ctx, or "".
func FromContext(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

// LogHandler adds request_id to every record logged with a context that
// carries one (log.InfoContext(r.Context(), …)).
func LogHandler(h slog.Handler) slog.Handler { return handler{h} }

type handler struct{ slog.Handler }

func (h handler) Handle(ctx context.Context, r slog.Record) error {
	if id := FromContext(ctx); id != "" {
		r = r.Clone()
		r.AddAttrs(slog.String(LogKey, id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return handler{h.Handler.WithAttrs(attrs)}
}
func (h handler) WithGroup(name string) slog.Handler { return handler{h.Handler.WithGroup(name)} }

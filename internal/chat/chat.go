// Package chat is OpenChat's domain: the types every other package speaks,
// the error codes, the interfaces that adapters implement (Store, Cache,
// PubSub, Presence, Metrics, PasswordHasher) and the Service that holds the
// rules. It imports nothing else of the application.
package chat

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"time"
)

// TimeLayout is how every timestamp leaves the server: RFC 3339, UTC, with
// exactly three fractional digits so clients can compare strings.
const TimeLayout = "2006-01-02T15:04:05.000Z07:00"

// Time is a UTC instant with millisecond precision that encodes as TimeLayout.
type Time struct{ time.Time }

// NewTime truncates t to milliseconds in UTC, the precision every store keeps.
func NewTime(t time.Time) Time { return Time{t.UTC().Truncate(time.Millisecond)} }

// MarshalJSON encodes the time as TimeLayout.
func (t Time) MarshalJSON() ([]byte, error) {
	return appendJSONTime(make([]byte, 0, len(TimeLayout)+2), t), nil
}

// UnmarshalJSON accepts any RFC 3339 time.
func (t *Time) UnmarshalJSON(b []byte) error {
	var tt time.Time
	if err := tt.UnmarshalJSON(b); err != nil {
		return err
	}
	*t = NewTime(tt)
	return nil
}

// Clock tells the time; tests replace it.
type Clock func() time.Time

// NewID returns a 128-bit identifier whose first 48 bits are the Unix time in
// milliseconds (UUIDv7 layout), so ids sort roughly by creation and index well.
func NewID() string {
	var b [16]byte
	var ms [8]byte
	binary.BigEndian.PutUint64(ms[:], uint64(time.Now().UnixMilli()))
	copy(b[:6], ms[2:])
	_, _ = rand.Read(b[6:])
	b[6] = b[6]&0x0f | 0x70 // version 7
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

type ctxKey int

const (
	userKey ctxKey = iota + 1
	sessionKey
)

// NewContextWithUser returns a context that carries the signed-in user.
func NewContextWithUser(ctx context.Context, u User) context.Context {
	return context.WithValue(ctx, userKey, u)
}

// UserFromContext returns the signed-in user, if any.
func UserFromContext(ctx context.Context) (User, bool) {
	u, ok := ctx.Value(userKey).(User)
	return u, ok
}

// NewContextWithSession returns a context that carries the hash
// (HashToken) of the session the request was authenticated with.
func NewContextWithSession(ctx context.Context, tokenHash string) context.Context {
	return context.WithValue(ctx, sessionKey, tokenHash)
}

// SessionFromContext returns the session's token hash, or "".
func SessionFromContext(ctx context.Context) string {
	h, _ := ctx.Value(sessionKey).(string)
	return h
}

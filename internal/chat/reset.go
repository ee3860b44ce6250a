package chat

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"time"
)

// Password resets. A reset is a row (id, user, SHA-256 of its token,
// expiry, used) and a BatchReset mail batch of the same id, written in one
// transaction. The token is never stored: it is an HMAC of the id under the
// server secret, derived again by the mail worker to write the link, so a
// copy of the database yields no working link. Confirming a reset (token
// and new password) uses it up, ends every other reset of the account,
// sets the password and ends every session, in one transaction.
const (
	// PasswordResetTTL is how long a reset link works.
	PasswordResetTTL = time.Hour
	// PasswordResetGap is the least time between two reset e-mails to one
	// account; asking sooner sends nothing (the answer is the same).
	PasswordResetGap = 2 * time.Minute
)

// PasswordReset is one reset link.
type PasswordReset struct {
	ID        string
	UserID    string
	TokenHash string
	CreatedAt Time
	ExpiresAt Time
}

// PasswordResetToken derives a reset's token from its id.
func PasswordResetToken(secret []byte, resetID string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("password-reset:" + resetID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// PasswordResetStore keeps reset links.
type PasswordResetStore interface {
	// CreatePasswordReset stores r and queues its e-mail (a BatchReset
	// batch with r's id, due at once), unless the user had one created
	// after r.CreatedAt-minGap: then ERATELIMITED and nothing changes.
	// With audit non-nil it is written in the same transaction.
	CreatePasswordReset(ctx context.Context, r PasswordReset, minGap time.Duration, audit *AuditEntry) error
	// PasswordResetUser returns the user of an unused reset whose token
	// hash is tokenHash and that is unexpired at now; ENOTFOUND otherwise.
	PasswordResetUser(ctx context.Context, tokenHash string, now time.Time) (User, error)
	// UsePasswordReset does, in one transaction and only if the reset is
	// still unused and unexpired (ENOTFOUND otherwise): marks it and every
	// other reset of its user used, sets the password hash and deletes
	// every session of the user, returning their token hashes.
	UsePasswordReset(ctx context.Context, tokenHash string, now time.Time, hash string) ([]string, error)
	// DeleteExpiredResets deletes up to limit resets (used or not) that
	// expired before before, returning how many (the cleanup job).
	DeleteExpiredResets(ctx context.Context, before time.Time, limit int) (int64, error)
}

package chat

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"time"
)

// E-mail verification. Sign-up queues a BatchVerify mail batch; the mail
// worker sends it at once (no batch window) with a link that carries the
// user id, an expiry and an HMAC of both and of the address under the
// server secret. Following the link (and pressing its button) marks the
// address verified. Until then no other e-mail goes to the address: the
// mail worker marks an unverified user's mention batches skipped (the
// mentions stay listed in the app).
const (
	// EmailVerifyTTL is how long a verification link works.
	EmailVerifyTTL = 48 * time.Hour
	// VerifyMailGap is the least time between two verification e-mails to
	// one account (sign-up's counts); asking sooner is ERATELIMITED.
	VerifyMailGap = 2 * time.Minute
)

// EmailVerifyToken signs (user, address, expiry) for a verification link.
// The address is part of the signature, so a link stops working if the
// account's address is no longer the one it was sent to.
func EmailVerifyToken(secret []byte, userID, email string, expires time.Time) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("verify-email:" + userID + ":" + EmailKey(email) + ":" + strconv.FormatInt(expires.Unix(), 10)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// CheckEmailVerifyToken verifies a token made by EmailVerifyToken (not the
// expiry: the caller compares it with its clock). An empty secret never
// verifies, since anyone could sign with it.
func CheckEmailVerifyToken(secret []byte, userID, email string, expires time.Time, token string) bool {
	return len(secret) > 0 && hmac.Equal([]byte(EmailVerifyToken(secret, userID, email, expires)), []byte(token))
}

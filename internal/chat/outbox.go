package chat

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"time"
)

// Mention e-mails go through a durable outbox. AppendMessage writes one
// pending notification per mentioned user in the message's transaction; the
// mail worker groups a user's pending notifications into a batch once the
// oldest has waited the batch window, claims batches with a lease, sends one
// e-mail per batch with a Message-ID derived from the batch id (stable across
// resends), and records the outcome. A worker that dies while holding a
// lease loses it when the lease expires and another worker resends the same
// batch, recognisable by its Message-ID.

// BatchStatus is where a mail batch is in its life.
type BatchStatus string

// Batch statuses.
const (
	BatchPending BatchStatus = "pending" // waiting to be sent (or retried)
	BatchSent    BatchStatus = "sent"
	BatchSkipped BatchStatus = "skipped" // the user's preference said no
	BatchFailed  BatchStatus = "failed"  // gave up after the attempt bound; kept for operators
)

// BatchKind says what a batch's e-mail is.
type BatchKind string

// Batch kinds.
const (
	BatchMention BatchKind = "mention" // lists mentions (Items)
	// BatchVerify asks the user to confirm their address; it has no items
	// and is due at once (no batch window).
	BatchVerify BatchKind = "verify"
	// BatchReset carries a password-reset link (reset.go); its id is the
	// reset's, it has no items and is due at once.
	BatchReset BatchKind = "reset"
)

// MailBatch is one e-mail to one user: a list of one or more mentions, or
// the verification of the user's address.
type MailBatch struct {
	ID          string
	Kind        BatchKind
	User        User
	Status      BatchStatus
	Attempts    int // claims so far, this one included
	LastError   string
	CreatedAt   Time
	NextAttempt Time
	Items       []MentionItem // oldest first
}

// MentionItem is one mention inside a batch.
type MentionItem struct {
	Room    RoomRef
	Message Message
}

// OutboxStore is the mail outbox. Every method is safe to call from many
// instances at once.
type OutboxStore interface {
	// FormBatches groups, per user, all pending notifications not yet in a
	// batch into one new batch, for each user whose oldest such notification
	// was created at or before now-window. It returns how many it formed.
	FormBatches(ctx context.Context, now time.Time, window time.Duration) (int, error)
	// ClaimBatches leases up to limit pending batches whose NextAttempt has
	// come and whose lease (if any) has expired, to owner until now+lease,
	// increments their Attempts and returns them with their items. Two
	// callers never hold the same batch at once.
	ClaimBatches(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]MailBatch, error)
	// FinishBatch records a final status (sent or skipped) of a batch owner
	// holds; ECONFLICT if owner's lease was lost.
	FinishBatch(ctx context.Context, id, owner string, status BatchStatus, now time.Time) error
	// RetryBatch releases a batch owner holds after a failed attempt, to be
	// tried again at next, or marks it failed when giveUp; ECONFLICT if the
	// lease was lost.
	RetryBatch(ctx context.Context, id, owner, lastErr string, next time.Time, giveUp bool) error
	// DeferBatch releases a batch without counting the attempt (a rate cap
	// said "later"), to be claimed again at next.
	DeferBatch(ctx context.Context, id, owner string, next time.Time) error
	// QueueVerificationMail adds a pending BatchVerify batch for the user,
	// due at now, unless one was queued after now-minGap (ERATELIMITED);
	// ENOTFOUND for an unknown user.
	QueueVerificationMail(ctx context.Context, userID string, now time.Time, minGap time.Duration) error
	// SentSince counts batches of every kind sent at or after since to
	// address, compared case-insensitively (the per-recipient cap counts
	// addresses, not accounts).
	SentSince(ctx context.Context, address string, since time.Time) (int, error)
	// MailBatches lists batches, newest first, optionally of one status (""
	// for all), for operators and tests.
	MailBatches(ctx context.Context, status BatchStatus, limit int) ([]MailBatch, error)
	// OutboxStats measures the backlog for operators: notifications not yet
	// in a batch, pending batches, and when the oldest of them was created.
	OutboxStats(ctx context.Context) (OutboxStats, error)
}

// OutboxStats is the mail backlog. Oldest is zero when both counts are.
type OutboxStats struct {
	Notifications int // not yet in a batch
	Batches       int // pending: waiting for their window, a retry or the rate cap
	Oldest        time.Time
}

// UnsubscribeToken signs a user id for the one-click unsubscribe link.
func UnsubscribeToken(secret []byte, userID string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("unsubscribe:" + userID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// CheckUnsubscribeToken verifies a token made by UnsubscribeToken.
func CheckUnsubscribeToken(secret []byte, userID, token string) bool {
	return hmac.Equal([]byte(UnsubscribeToken(secret, userID)), []byte(token))
}

// VerificationMailTooSoon is the error of a verification e-mail asked for
// again within minGap of the last one.
func VerificationMailTooSoon(minGap time.Duration) error {
	return Errorf(ERATELIMITED, "a verification e-mail was sent less than %s ago; check your inbox or try again later", minGap)
}

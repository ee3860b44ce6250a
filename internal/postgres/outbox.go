package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/open-chat/openchat/internal/chat"
)

// FormBatches puts, per user whose oldest unbatched notification was
// created at or before now-window, all of that user's unbatched
// notifications into one new batch, due at now. Each user's batch is formed
// in its own transaction that locks the rows it takes, so two instances
// forming at once never batch one notification twice nor leave an empty
// batch.
func (s *Store) FormBatches(ctx context.Context, now time.Time, window time.Duration) (int, error) {
	rows, err := s.pool.Query(ctx, `SELECT user_id FROM notifications WHERE batch_id IS NULL
		GROUP BY user_id HAVING min(created_at) <= $1`, now.Add(-window))
	if err != nil {
		return 0, fmt.Errorf("form batches: due users: %w", err)
	}
	users, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return 0, fmt.Errorf("form batches: due users: %w", err)
	}
	formed := 0
	for _, uid := range users {
		err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, `SELECT id FROM notifications WHERE user_id = $1 AND batch_id IS NULL
				AND EXISTS (SELECT 1 FROM notifications WHERE user_id = $1 AND batch_id IS NULL AND created_at <= $2)
				ORDER BY id FOR UPDATE`, uid, now.Add(-window))
			if err != nil {
				return err
			}
			ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
			if err != nil || len(ids) == 0 { // another instance took them
				return err
			}
			id := chat.NewID()
			if _, err := tx.Exec(ctx, `INSERT INTO mail_batches (id, user_id, status, attempts, next_attempt_at, created_at)
				VALUES ($1, $2, $3, 0, $4, $4)`, id, uid, string(chat.BatchPending), now); err != nil {
				return err
			}
			tag, err := tx.Exec(ctx, `UPDATE notifications SET batch_id = $1 WHERE id = ANY($2) AND batch_id IS NULL`, id, ids)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				return errEmpty
			}
			formed++
			return nil
		})
		if err != nil && !errors.Is(err, errEmpty) {
			return formed, fmt.Errorf("form batch for %s: %w", uid, err)
		}
	}
	return formed, nil
}

// errEmpty rolls back a batch whose notifications another instance took.
var errEmpty = errors.New("no notifications left")

// ClaimBatches leases up to limit due batches to owner. SKIP LOCKED lets
// concurrent claimers pass over each other's rows instead of queueing.
func (s *Store) ClaimBatches(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]chat.MailBatch, error) {
	if limit <= 0 {
		return []chat.MailBatch{}, nil
	}
	rows, err := s.pool.Query(ctx, `UPDATE mail_batches SET lease_owner = $1, lease_until = $2, attempts = attempts + 1
		WHERE id IN (SELECT id FROM mail_batches
			WHERE status = $3 AND next_attempt_at <= $4 AND (lease_until IS NULL OR lease_until <= $4)
			ORDER BY next_attempt_at, id LIMIT $5 FOR UPDATE SKIP LOCKED)
		RETURNING id`, owner, now.Add(lease), string(chat.BatchPending), now, limit)
	if err != nil {
		return nil, fmt.Errorf("claim batches: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("claim batches: %w", err)
	}
	if len(ids) == 0 {
		return []chat.MailBatch{}, nil
	}
	return s.batches(ctx, `WHERE b.id = ANY($1) ORDER BY b.next_attempt_at, b.id`, ids)
}

// FinishBatch records sent or skipped for a batch owner holds.
func (s *Store) FinishBatch(ctx context.Context, id, owner string, status chat.BatchStatus, now time.Time) error {
	if status != chat.BatchSent && status != chat.BatchSkipped {
		return chat.Invalid("status", "a batch finishes as sent or skipped, not %q", status)
	}
	var sentAt *time.Time
	if status == chat.BatchSent {
		sentAt = &now
	}
	return s.leased(ctx, "finish batch", id, owner,
		`UPDATE mail_batches SET status = $3, sent_at = $4, lease_until = NULL WHERE id = $1 AND lease_owner = $2 AND status = 'pending'`,
		string(status), sentAt)
}

// RetryBatch releases a held batch for another attempt at next, or marks it
// failed when giveUp.
func (s *Store) RetryBatch(ctx context.Context, id, owner, lastErr string, next time.Time, giveUp bool) error {
	status := chat.BatchPending
	if giveUp {
		status = chat.BatchFailed
	}
	return s.leased(ctx, "retry batch", id, owner,
		`UPDATE mail_batches SET status = $3, last_error = $4, next_attempt_at = $5, lease_owner = NULL, lease_until = NULL
		WHERE id = $1 AND lease_owner = $2 AND status = 'pending'`,
		string(status), lastErr, next)
}

// DeferBatch releases a held batch until next and takes back the attempt
// its claim counted.
func (s *Store) DeferBatch(ctx context.Context, id, owner string, next time.Time) error {
	return s.leased(ctx, "defer batch", id, owner,
		`UPDATE mail_batches SET attempts = greatest(attempts - 1, 0), next_attempt_at = $3, lease_owner = NULL, lease_until = NULL
		WHERE id = $1 AND lease_owner = $2 AND status = 'pending'`, next)
}

// leased runs an update ($1 = id, $2 = owner) guarded by the lease owner;
// no row means the batch is unknown (ENOTFOUND) or no longer owner's
// (ECONFLICT).
func (s *Store) leased(ctx context.Context, op, id, owner, query string, args ...any) error {
	tag, err := s.pool.Exec(ctx, query, append([]any{id, owner}, args...)...)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var exists bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM mail_batches WHERE id = $1)`, id).Scan(&exists); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if !exists {
		return chat.Errorf(chat.ENOTFOUND, "mail batch %s not found", id)
	}
	return chat.Errorf(chat.ECONFLICT, "lease on mail batch %s was lost by %s", id, owner)
}

// QueueVerificationMail adds a verification batch due at now, at most one
// per minGap per user (users.verify_mail_at, updated under the row lock).
func (s *Store) QueueVerificationMail(ctx context.Context, userID string, now time.Time, minGap time.Duration) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var last *time.Time
		if err := tx.QueryRow(ctx, `SELECT verify_mail_at FROM users WHERE id = $1 FOR UPDATE`, userID).Scan(&last); err != nil {
			if isNoRows(err) {
				return chat.Errorf(chat.ENOTFOUND, "user not found")
			}
			return err
		}
		if last != nil && last.After(now.Add(-minGap)) {
			return chat.VerificationMailTooSoon(minGap)
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET verify_mail_at = $1 WHERE id = $2`, now, userID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO mail_batches (id, kind, user_id, status, attempts, next_attempt_at, created_at)
			VALUES ($1, $2, $3, $4, 0, $5, $5)`, chat.NewID(), string(chat.BatchVerify), userID, string(chat.BatchPending), now)
		return err
	})
	if err != nil {
		return fmt.Errorf("queue verification mail: %w", err)
	}
	return nil
}

// SentSince counts batches sent to an address at or after since.
func (s *Store) SentSince(ctx context.Context, address string, since time.Time) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM mail_batches b JOIN users u ON u.id = b.user_id
		WHERE u.email_key = $1 AND b.status = 'sent' AND b.sent_at >= $2`, chat.EmailKey(address), since).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("sent since: %w", err)
	}
	return n, nil
}

// MailBatches lists batches newest first, of one status or all ("").
func (s *Store) MailBatches(ctx context.Context, status chat.BatchStatus, limit int) ([]chat.MailBatch, error) {
	if limit <= 0 {
		limit = chat.PageDefaultLimit
	}
	return s.batches(ctx, `WHERE ($1 = '' OR b.status = $1) ORDER BY b.created_at DESC, b.id DESC LIMIT $2`, string(status), limit)
}

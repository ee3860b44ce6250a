package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// FormBatches puts, per user whose oldest unbatched notification was
// created at or before now-window, all of that user's unbatched
// notifications into one new batch, due at now.
func (s *Store) FormBatches(ctx context.Context, now time.Time, window time.Duration) (int, error) {
	formed := 0
	err := s.write(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT user_id FROM notifications WHERE batch_id IS NULL
			GROUP BY user_id HAVING min(created_at) <= ?`, ms(now.Add(-window)))
		if err != nil {
			return fmt.Errorf("due users: %w", err)
		}
		users, err := collectRows(rows, rowTo[string])
		if err != nil {
			return fmt.Errorf("due users: %w", err)
		}
		for _, uid := range users {
			id := chat.NewID()
			if _, err := tx.ExecContext(ctx, `INSERT INTO mail_batches (id, user_id, status, attempts, next_attempt_at, created_at)
				VALUES (?, ?, ?, 0, ?, ?)`, id, uid, string(chat.BatchPending), ms(now), ms(now)); err != nil {
				return fmt.Errorf("insert batch: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE notifications SET batch_id = ? WHERE user_id = ? AND batch_id IS NULL`, id, uid); err != nil {
				return fmt.Errorf("fill batch: %w", err)
			}
			formed++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("form batches: %w", err)
	}
	return formed, nil
}

// ClaimBatches leases up to limit due batches to owner. The single writer
// makes the select-then-update atomic, so no two callers hold one batch.
func (s *Store) ClaimBatches(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]chat.MailBatch, error) {
	if limit <= 0 {
		return []chat.MailBatch{}, nil
	}
	var ids []string
	err := s.write(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id FROM mail_batches
			WHERE status = ? AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
			ORDER BY next_attempt_at, id LIMIT ?`, string(chat.BatchPending), ms(now), ms(now), limit)
		if err != nil {
			return fmt.Errorf("due batches: %w", err)
		}
		if ids, err = collectRows(rows, rowTo[string]); err != nil {
			return fmt.Errorf("due batches: %w", err)
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `UPDATE mail_batches SET lease_owner = ?, lease_until = ?, attempts = attempts + 1 WHERE id = ?`,
				owner, ms(now.Add(lease)), id); err != nil {
				return fmt.Errorf("lease batch: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim batches: %w", err)
	}
	if len(ids) == 0 {
		return []chat.MailBatch{}, nil
	}
	return s.batches(ctx, `WHERE b.id IN (`+placeholders(len(ids))+`) ORDER BY b.next_attempt_at, b.id`, anys(ids)...)
}

// FinishBatch records sent or skipped for a batch owner holds.
func (s *Store) FinishBatch(ctx context.Context, id, owner string, status chat.BatchStatus, now time.Time) error {
	if status != chat.BatchSent && status != chat.BatchSkipped {
		return chat.Invalid("status", "a batch finishes as sent or skipped, not %q", status)
	}
	var sentAt any
	if status == chat.BatchSent {
		sentAt = ms(now)
	}
	return s.leased(ctx, "finish batch", id, owner,
		`UPDATE mail_batches SET status = ?, sent_at = ?, lease_until = NULL WHERE id = ? AND lease_owner = ? AND status = ?`,
		string(status), sentAt, id, owner, string(chat.BatchPending))
}

// RetryBatch releases a held batch for another attempt at next, or marks it
// failed when giveUp.
func (s *Store) RetryBatch(ctx context.Context, id, owner, lastErr string, next time.Time, giveUp bool) error {
	status := chat.BatchPending
	if giveUp {
		status = chat.BatchFailed
	}
	return s.leased(ctx, "retry batch", id, owner,
		`UPDATE mail_batches SET status = ?, last_error = ?, next_attempt_at = ?, lease_owner = NULL, lease_until = NULL
		WHERE id = ? AND lease_owner = ? AND status = ?`,
		string(status), lastErr, ms(next), id, owner, string(chat.BatchPending))
}

// DeferBatch releases a held batch until next and takes back the attempt
// its claim counted.
func (s *Store) DeferBatch(ctx context.Context, id, owner string, next time.Time) error {
	return s.leased(ctx, "defer batch", id, owner,
		`UPDATE mail_batches SET attempts = max(attempts - 1, 0), next_attempt_at = ?, lease_owner = NULL, lease_until = NULL
		WHERE id = ? AND lease_owner = ? AND status = ?`,
		ms(next), id, owner, string(chat.BatchPending))
}

// leased runs an update guarded by the lease owner; no row means the batch
// is unknown (ENOTFOUND) or no longer owner's (ECONFLICT).
func (s *Store) leased(ctx context.Context, op, id, owner, query string, args ...any) error {
	res, err := s.w.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	var exists int
	err = s.r.QueryRowContext(ctx, `SELECT 1 FROM mail_batches WHERE id = ?`, id).Scan(&exists)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return chat.Errorf(chat.ENOTFOUND, "mail batch %s not found", id)
	case err != nil:
		return fmt.Errorf("%s: %w", op, err)
	}
	return chat.Errorf(chat.ECONFLICT, "lease on mail batch %s was lost by %s", id, owner)
}

// QueueVerificationMail adds a verification batch due at now, at most one
// per minGap per user (users.verify_mail_at).
func (s *Store) QueueVerificationMail(ctx context.Context, userID string, now time.Time, minGap time.Duration) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET verify_mail_at = ? WHERE id = ? AND (verify_mail_at IS NULL OR verify_mail_at <= ?)`,
			ms(now), userID, ms(now.Add(-minGap)))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return cmp.Or(err, s.noVerificationMail(ctx, tx, userID, minGap))
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO mail_batches (id, kind, user_id, status, attempts, next_attempt_at, created_at)
			VALUES (?, ?, ?, ?, 0, ?, ?)`, chat.NewID(), string(chat.BatchVerify), userID, string(chat.BatchPending), ms(now), ms(now))
		return err
	})
	if err != nil {
		return fmt.Errorf("queue verification mail: %w", err)
	}
	return nil
}

// noVerificationMail says why QueueVerificationMail changed no row.
func (s *Store) noVerificationMail(ctx context.Context, tx *sql.Tx, userID string, minGap time.Duration) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM users WHERE id = ?`, userID).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return chat.Errorf(chat.ENOTFOUND, "user not found")
	case err != nil:
		return err
	}
	return chat.VerificationMailTooSoon(minGap)
}

// SentSince counts batches sent to an address at or after since.
func (s *Store) SentSince(ctx context.Context, address string, since time.Time) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM mail_batches b JOIN users u ON u.id = b.user_id
		WHERE u.email_key = ? AND b.status = ? AND b.sent_at >= ?`,
		chat.EmailKey(address), string(chat.BatchSent), ms(since)).Scan(&n)
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
	return s.batches(ctx, `WHERE (? = '' OR b.status = ?) ORDER BY b.created_at DESC, b.id DESC LIMIT ?`, string(status), string(status), limit)
}

package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/open-chat/openchat/internal/chat"
)

// CreatePasswordReset stores a reset and its e-mail batch (same id). The
// user's row is locked so two requests at once cannot both pass the gap.
func (s *Store) CreatePasswordReset(ctx context.Context, r chat.PasswordReset, minGap time.Duration, audit *chat.AuditEntry) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT 1 FROM users WHERE id = $1 FOR UPDATE`, r.UserID); err != nil {
			return err
		}
		var recent int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM password_resets WHERE user_id = $1 AND created_at > $2`,
			r.UserID, r.CreatedAt.Add(-minGap)).Scan(&recent); err != nil {
			return err
		}
		if recent > 0 {
			return chat.Errorf(chat.ERATELIMITED, "a reset link was sent less than %s ago", minGap)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO password_resets (id, user_id, token_hash, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5)`, r.ID, r.UserID, r.TokenHash, r.CreatedAt.Time, r.ExpiresAt.Time); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO mail_batches (id, kind, user_id, status, attempts, next_attempt_at, created_at)
			VALUES ($1, $2, $3, $4, 0, $5, $5)`, r.ID, string(chat.BatchReset), r.UserID, string(chat.BatchPending),
			r.CreatedAt.Time); err != nil {
			return err
		}
		if audit != nil {
			return insertAudit(ctx, tx, *audit)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("create password reset: %w", err)
	}
	return nil
}

// PasswordResetUser returns the user of a usable reset.
func (s *Store) PasswordResetUser(ctx context.Context, tokenHash string, now time.Time) (chat.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userCols+` FROM password_resets p JOIN users u ON u.id = p.user_id
		WHERE p.token_hash = $1 AND p.used_at IS NULL AND p.expires_at > $2`, tokenHash, now))
	switch {
	case isNoRows(err):
		return chat.User{}, chat.Errorf(chat.ENOTFOUND, "reset not found")
	case err != nil:
		return chat.User{}, fmt.Errorf("password reset user: %w", err)
	}
	return u, nil
}

// UsePasswordReset uses a reset up and sets the password, atomically; the
// reset's row is locked, so it is used once.
func (s *Store) UsePasswordReset(ctx context.Context, tokenHash string, now time.Time, hash string) ([]string, error) {
	var ended []string
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var userID string
		err := tx.QueryRow(ctx, `SELECT user_id FROM password_resets WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
			FOR UPDATE`, tokenHash, now).Scan(&userID)
		if isNoRows(err) {
			return chat.Errorf(chat.ENOTFOUND, "reset not found")
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE password_resets SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL`, now, userID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, hash, userID); err != nil {
			return err
		}
		ended, err = deleteSessions(ctx, tx, userID, "")
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("use password reset: %w", err)
	}
	return ended, nil
}

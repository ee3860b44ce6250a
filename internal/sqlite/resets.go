package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// CreatePasswordReset stores a reset and its e-mail batch (same id).
func (s *Store) CreatePasswordReset(ctx context.Context, r chat.PasswordReset, minGap time.Duration, audit *chat.AuditEntry) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		var recent int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM password_resets WHERE user_id = ? AND created_at > ?`,
			r.UserID, ms(r.CreatedAt.Add(-minGap))).Scan(&recent); err != nil {
			return err
		}
		if recent > 0 {
			return chat.Errorf(chat.ERATELIMITED, "a reset link was sent less than %s ago", minGap)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO password_resets (id, user_id, token_hash, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?)`, r.ID, r.UserID, r.TokenHash, ms(r.CreatedAt.Time), ms(r.ExpiresAt.Time)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO mail_batches (id, kind, user_id, status, attempts, next_attempt_at, created_at)
			VALUES (?, ?, ?, ?, 0, ?, ?)`, r.ID, string(chat.BatchReset), r.UserID, string(chat.BatchPending),
			ms(r.CreatedAt.Time), ms(r.CreatedAt.Time)); err != nil {
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
	u, err := scanUser(s.r.QueryRowContext(ctx, `SELECT `+userColsU+` FROM password_resets p JOIN users u ON u.id = p.user_id
		WHERE p.token_hash = ? AND p.used_at IS NULL AND p.expires_at > ?`, tokenHash, ms(now)))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return chat.User{}, chat.Errorf(chat.ENOTFOUND, "reset not found")
	case err != nil:
		return chat.User{}, fmt.Errorf("password reset user: %w", err)
	}
	return u, nil
}

// UsePasswordReset uses a reset up and sets the password, atomically.
func (s *Store) UsePasswordReset(ctx context.Context, tokenHash string, now time.Time, hash string) ([]string, error) {
	var ended []string
	err := s.write(ctx, func(tx *sql.Tx) error {
		var userID string
		err := tx.QueryRowContext(ctx, `SELECT user_id FROM password_resets WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?`,
			tokenHash, ms(now)).Scan(&userID)
		if errors.Is(err, sql.ErrNoRows) {
			return chat.Errorf(chat.ENOTFOUND, "reset not found")
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE password_resets SET used_at = ? WHERE user_id = ? AND used_at IS NULL`,
			ms(now), userID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, userID); err != nil {
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

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

const sessionCols = `s.id, s.token_hash, s.user_id, s.created_at, s.expires_at, s.last_seen_at, s.user_agent, s.address`

func scanSession(sc scanner, extra ...any) (chat.Session, error) {
	var sess chat.Session
	var created, expires, seen int64
	dest := append([]any{&sess.ID, &sess.TokenHash, &sess.UserID, &created, &expires, &seen, &sess.UserAgent, &sess.Address}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return chat.Session{}, err
	}
	sess.CreatedAt, sess.ExpiresAt, sess.LastSeenAt = fromMS(created), fromMS(expires), fromMS(seen)
	return sess, nil
}

// CreateSession stores a session.
func (s *Store) CreateSession(ctx context.Context, sess chat.Session) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO sessions (id, token_hash, user_id, created_at, expires_at, last_seen_at, user_agent, address)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, sess.ID, sess.TokenHash, sess.UserID, ms(sess.CreatedAt.Time), ms(sess.ExpiresAt.Time),
		ms(sess.LastSeenAt.Time), sess.UserAgent, sess.Address)
	switch {
	case isUnique(err):
		return chat.Errorf(chat.ECONFLICT, "session exists")
	case err != nil:
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// SessionUser returns the session unexpired at now and its user; ENOTFOUND otherwise.
func (s *Store) SessionUser(ctx context.Context, tokenHash string, now time.Time) (chat.User, chat.Session, error) {
	var sess chat.Session
	var created, expires, seen int64
	u, err := scanUser(s.r.QueryRowContext(ctx, `SELECT `+userColsU+`, `+sessionCols+`
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND s.expires_at > ? AND u.deactivated_at IS NULL`,
		tokenHash, ms(now)),
		&sess.ID, &sess.TokenHash, &sess.UserID, &created, &expires, &seen, &sess.UserAgent, &sess.Address)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return chat.User{}, chat.Session{}, chat.Errorf(chat.ENOTFOUND, "session not found or expired")
	case err != nil:
		return chat.User{}, chat.Session{}, fmt.Errorf("session user: %w", err)
	}
	sess.CreatedAt, sess.ExpiresAt, sess.LastSeenAt = fromMS(created), fromMS(expires), fromMS(seen)
	return u, sess, nil
}

// TouchSession sets last_seen_at.
func (s *Store) TouchSession(ctx context.Context, tokenHash string, at time.Time) error {
	if _, err := s.w.ExecContext(ctx, `UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?`, ms(at), tokenHash); err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// Sessions lists a user's unexpired sessions, most recently seen first.
func (s *Store) Sessions(ctx context.Context, userID string, now time.Time) ([]chat.Session, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+sessionCols+` FROM sessions s WHERE s.user_id = ? AND s.expires_at > ?
		ORDER BY s.last_seen_at DESC, s.created_at DESC, s.id`, userID, ms(now))
	if err != nil {
		return nil, fmt.Errorf("sessions: %w", err)
	}
	out, err := collectRows(rows, func(sc scanner) (chat.Session, error) { return scanSession(sc) })
	if err != nil {
		return nil, fmt.Errorf("sessions: %w", err)
	}
	return out, nil
}

// DeleteSession removes a session; a missing one is not an error.
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteSessionByID removes one of the user's sessions by its public id.
func (s *Store) DeleteSessionByID(ctx context.Context, userID, id string) (string, error) {
	var hash string
	err := s.w.QueryRowContext(ctx, `DELETE FROM sessions WHERE user_id = ? AND id = ? RETURNING token_hash`, userID, id).Scan(&hash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", chat.Errorf(chat.ENOTFOUND, "session not found")
	case err != nil:
		return "", fmt.Errorf("delete session by id: %w", err)
	}
	return hash, nil
}

// DeleteSessions removes every session of the user but keep.
func (s *Store) DeleteSessions(ctx context.Context, userID, keep string) ([]string, error) {
	var ended []string
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		ended, err = deleteSessions(ctx, tx, userID, keep)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("delete sessions: %w", err)
	}
	return ended, nil
}

func deleteSessions(ctx context.Context, tx *sql.Tx, userID, keep string) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `DELETE FROM sessions WHERE user_id = ? AND token_hash <> ? RETURNING token_hash`, userID, keep)
	if err != nil {
		return nil, err
	}
	return collectRows(rows, rowTo[string])
}

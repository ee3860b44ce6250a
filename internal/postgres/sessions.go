package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/open-chat/openchat/internal/chat"
)

const sessionCols = `s.id, s.token_hash, s.user_id, s.created_at, s.expires_at, s.last_seen_at, s.user_agent, s.address`

func scanSession(row pgx.Row, extra ...any) (chat.Session, error) {
	var sess chat.Session
	var created, expires, seen time.Time
	dest := append([]any{&sess.ID, &sess.TokenHash, &sess.UserID, &created, &expires, &seen, &sess.UserAgent, &sess.Address}, extra...)
	if err := row.Scan(dest...); err != nil {
		return chat.Session{}, err
	}
	sess.CreatedAt, sess.ExpiresAt, sess.LastSeenAt = ts(created), ts(expires), ts(seen)
	return sess, nil
}

// CreateSession stores a session.
func (s *Store) CreateSession(ctx context.Context, sess chat.Session) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO sessions (id, token_hash, user_id, created_at, expires_at, last_seen_at, user_agent, address)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, sess.ID, sess.TokenHash, sess.UserID, sess.CreatedAt.Time, sess.ExpiresAt.Time,
		sess.LastSeenAt.Time, sess.UserAgent, sess.Address)
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
	var created, expires, seen time.Time
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userCols+`, `+sessionCols+`
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2
		AND u.deactivated_at IS NULL`, tokenHash, now),
		&sess.ID, &sess.TokenHash, &sess.UserID, &created, &expires, &seen, &sess.UserAgent, &sess.Address)
	switch {
	case isNoRows(err):
		return chat.User{}, chat.Session{}, chat.Errorf(chat.ENOTFOUND, "session not found or expired")
	case err != nil:
		return chat.User{}, chat.Session{}, fmt.Errorf("session user: %w", err)
	}
	sess.CreatedAt, sess.ExpiresAt, sess.LastSeenAt = ts(created), ts(expires), ts(seen)
	return u, sess, nil
}

// TouchSession sets last_seen_at.
func (s *Store) TouchSession(ctx context.Context, tokenHash string, at time.Time) error {
	if _, err := s.pool.Exec(ctx, `UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2`, at, tokenHash); err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// Sessions lists a user's unexpired sessions, most recently seen first.
func (s *Store) Sessions(ctx context.Context, userID string, now time.Time) ([]chat.Session, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+sessionCols+` FROM sessions s WHERE s.user_id = $1 AND s.expires_at > $2
		ORDER BY s.last_seen_at DESC, s.created_at DESC, s.id`, userID, now)
	if err != nil {
		return nil, fmt.Errorf("sessions: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (chat.Session, error) { return scanSession(r) })
	if err != nil {
		return nil, fmt.Errorf("sessions: %w", err)
	}
	return out, nil
}

// DeleteSession removes a session; a missing one is not an error.
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteSessionByID removes one of the user's sessions by its public id.
func (s *Store) DeleteSessionByID(ctx context.Context, userID, id string) (string, error) {
	var hash string
	err := s.pool.QueryRow(ctx, `DELETE FROM sessions WHERE user_id = $1 AND id = $2 RETURNING token_hash`, userID, id).Scan(&hash)
	switch {
	case isNoRows(err):
		return "", chat.Errorf(chat.ENOTFOUND, "session not found")
	case err != nil:
		return "", fmt.Errorf("delete session by id: %w", err)
	}
	return hash, nil
}

// DeleteSessions removes every session of the user but keep.
func (s *Store) DeleteSessions(ctx context.Context, userID, keep string) ([]string, error) {
	ended, err := deleteSessions(ctx, s.pool, userID, keep)
	if err != nil {
		return nil, fmt.Errorf("delete sessions: %w", err)
	}
	return ended, nil
}

// querier is a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func deleteSessions(ctx context.Context, q querier, userID, keep string) ([]string, error) {
	rows, err := q.Query(ctx, `DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2 RETURNING token_hash`, userID, keep)
	if err != nil {
		return nil, err
	}
	ended, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if ended == nil {
		ended = []string{}
	}
	return ended, err
}

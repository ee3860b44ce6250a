package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/open-chat/openchat/internal/chat"
)

// DeleteExpiredSessions implements chat.LifecycleStore.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time, limit int) (int64, error) {
	return s.deleteBatch(ctx, "delete expired sessions", `DELETE FROM sessions WHERE token_hash IN
		(SELECT token_hash FROM sessions WHERE expires_at < $1 LIMIT $2)`, now, limit)
}

// DeleteExpiredResets implements chat.PasswordResetStore.
func (s *Store) DeleteExpiredResets(ctx context.Context, before time.Time, limit int) (int64, error) {
	return s.deleteBatch(ctx, "delete expired resets", `DELETE FROM password_resets WHERE id IN
		(SELECT id FROM password_resets WHERE expires_at < $1 LIMIT $2)`, before, limit)
}

// DeleteMailHistory implements chat.LifecycleStore: a batch's
// notifications go first (they reference it).
func (s *Store) DeleteMailHistory(ctx context.Context, before time.Time, limit int) (int64, error) {
	var n int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id FROM mail_batches WHERE created_at < $1 AND status IN ($2, $3) LIMIT $4`,
			before, string(chat.BatchSent), string(chat.BatchFailed), limit)
		if err != nil {
			return err
		}
		done, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		for _, del := range []struct {
			query string
			args  []any
		}{
			{`DELETE FROM notifications WHERE batch_id = ANY($1)`, []any{done}},
			{`DELETE FROM mail_batches WHERE id = ANY($1)`, []any{done}},
			{`DELETE FROM notifications WHERE id IN
				(SELECT id FROM notifications WHERE batch_id IS NULL AND created_at < $1 LIMIT $2)`, []any{before, limit}},
		} {
			tag, err := tx.Exec(ctx, del.query, del.args...)
			if err != nil {
				return err
			}
			n += tag.RowsAffected()
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("delete mail history: %w", err)
	}
	return n, nil
}

// ClearClientIDs implements chat.LifecycleStore. It walks messages in
// (created_at, id) order through messages_created_at from the mark its last
// batch left in cleanup_marks (migration 0015), so a batch reads only
// messages no batch read before. The walk stays ClientIDWindow behind the
// present, long after any message of that time committed: none can appear
// behind the mark.
func (s *Store) ClearClientIDs(ctx context.Context, before time.Time, limit int) (int64, error) {
	var n int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		markAt, markID := time.Unix(0, 0), ""
		err := tx.QueryRow(ctx, `SELECT mark_at, mark_id FROM cleanup_marks WHERE task = 'client_ids' FOR UPDATE`).Scan(&markAt, &markID)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		// A data-modifying WITH runs once whether or not it is read.
		err = tx.QueryRow(ctx, `WITH walked AS (
				SELECT id, created_at, client_id FROM messages WHERE (created_at, id) > ($1, $2) AND created_at < $3
				ORDER BY created_at, id LIMIT $4),
			cleared AS (UPDATE messages m SET client_id = NULL FROM walked w WHERE m.id = w.id AND w.client_id IS NOT NULL)
			SELECT (SELECT count(*) FROM walked), created_at, id FROM walked ORDER BY created_at DESC, id DESC LIMIT 1`,
			markAt, markID, before, limit).Scan(&n, &markAt, &markID)
		if errors.Is(err, pgx.ErrNoRows) { // nothing left to walk
			return nil
		}
		if err != nil {
			return err
		}
		return setMark(ctx, tx, "client_ids", markAt, markID)
	})
	if err != nil {
		return 0, fmt.Errorf("clear client ids: %w", err)
	}
	return n, nil
}

// LiveMessagesBefore implements chat.LifecycleStore. It walks messages in
// (created_at, id) order through messages_created_at from the first live
// message its last call met (kept in cleanup_marks as task 'retention':
// walks start at it), skipping tombstones, and keeps the first live message
// it meets now. What the walk passes are tombstones, which stay tombstones,
// so no call reads them again; without the mark each call read every
// tombstone of the history. The mark never passes before, long behind any
// append still in flight.
func (s *Store) LiveMessagesBefore(ctx context.Context, before time.Time, limit int) ([]chat.MessageKey, error) {
	markAt, markID := time.Unix(0, 0), ""
	err := s.pool.QueryRow(ctx, `SELECT mark_at, mark_id FROM cleanup_marks WHERE task = 'retention'`).Scan(&markAt, &markID)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("live messages before: %w", err)
	}
	rows, err := s.pool.Query(ctx, `SELECT room_id, seq, created_at, id FROM messages
		WHERE (created_at, id) >= ($1, $2) AND created_at < $3 AND deleted_at IS NULL ORDER BY created_at, id LIMIT $4`,
		markAt, markID, before, limit)
	if err != nil {
		return nil, fmt.Errorf("live messages before: %w", err)
	}
	out := []chat.MessageKey{}
	var k chat.MessageKey
	var at, firstAt time.Time
	var id, firstID string
	_, err = pgx.ForEachRow(rows, []any{&k.RoomID, &k.Seq, &at, &id}, func() error {
		if len(out) == 0 {
			firstAt, firstID = at, id
		}
		out = append(out, k)
		return nil
	})
	if err == nil && len(out) > 0 && (!firstAt.Equal(markAt) || firstID != markID) {
		err = setMark(ctx, s.pool, "retention", firstAt, firstID)
	}
	if err != nil {
		return nil, fmt.Errorf("live messages before: %w", err)
	}
	return out, nil
}

// setMark keeps where a cleanup task's walk of messages is (cleanup_marks).
func setMark(ctx context.Context, db interface {
	Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
}, task string, at time.Time, id string) error {
	_, err := db.Exec(ctx, `INSERT INTO cleanup_marks (task, mark_at, mark_id) VALUES ($1, $2, $3)
		ON CONFLICT (task) DO UPDATE SET mark_at = EXCLUDED.mark_at, mark_id = EXCLUDED.mark_id`, task, at, id)
	return err
}

// deleteBatch runs one bounded delete (or update) and returns its row count.
func (s *Store) deleteBatch(ctx context.Context, what, query string, args ...any) (int64, error) {
	tag, err := s.pool.Exec(ctx, query, args...)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	return tag.RowsAffected(), nil
}

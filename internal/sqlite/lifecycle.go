package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// DeleteExpiredSessions implements chat.LifecycleStore.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time, limit int) (int64, error) {
	return s.deleteBatch(ctx, "delete expired sessions", `DELETE FROM sessions WHERE token_hash IN
		(SELECT token_hash FROM sessions WHERE expires_at < ? LIMIT ?)`, ms(now), limit)
}

// DeleteExpiredResets implements chat.PasswordResetStore.
func (s *Store) DeleteExpiredResets(ctx context.Context, before time.Time, limit int) (int64, error) {
	return s.deleteBatch(ctx, "delete expired resets", `DELETE FROM password_resets WHERE id IN
		(SELECT id FROM password_resets WHERE expires_at < ? LIMIT ?)`, ms(before), limit)
}

// DeleteMailHistory implements chat.LifecycleStore: a batch's
// notifications go first (they reference it).
func (s *Store) DeleteMailHistory(ctx context.Context, before time.Time, limit int) (int64, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		done, err := queryStrings(ctx, tx, `SELECT id FROM mail_batches WHERE created_at < ? AND status IN (?, ?) LIMIT ?`,
			ms(before), string(chat.BatchSent), string(chat.BatchFailed), limit)
		if err != nil {
			return err
		}
		in := "(" + placeholders(len(done)) + ")"
		for _, del := range []struct {
			query string
			args  []any
		}{
			{`DELETE FROM notifications WHERE batch_id IN ` + in, anys(done)},
			{`DELETE FROM mail_batches WHERE id IN ` + in, anys(done)},
			{`DELETE FROM notifications WHERE id IN
				(SELECT id FROM notifications WHERE batch_id IS NULL AND created_at < ? LIMIT ?)`, []any{ms(before), limit}},
		} {
			res, err := tx.ExecContext(ctx, del.query, del.args...)
			if err != nil {
				return err
			}
			k, _ := res.RowsAffected()
			n += k
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("delete mail history: %w", err)
	}
	return n, nil
}

// ClearClientIDs implements chat.LifecycleStore. It walks messages in
// rowid order (commit order: created_at does not go back as rowid grows)
// from the mark its last batch left in cleanup_marks (migration 0015), and
// stops at the first message not old enough, so a batch reads only
// messages no batch read before, and at most limit of them.
func (s *Store) ClearClientIDs(ctx context.Context, before time.Time, limit int) (int64, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		var mark int64
		err := tx.QueryRowContext(ctx, `SELECT mark FROM cleanup_marks WHERE task = 'client_ids'`).Scan(&mark)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		// The next limit messages, up to the first not old enough: a batch
		// reads limit rows however many old ones are left.
		var last sql.NullInt64
		if err := tx.QueryRowContext(ctx, `WITH next AS (SELECT rowid AS r, created_at AS c FROM messages WHERE rowid > ?1 ORDER BY rowid LIMIT ?3)
			SELECT count(*), max(r) FROM next WHERE r < coalesce((SELECT min(r) FROM next WHERE c >= ?2), (SELECT max(r) + 1 FROM next))`,
			mark, ms(before), limit).Scan(&n, &last); err != nil || !last.Valid {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET client_id = NULL WHERE rowid > ? AND rowid <= ? AND client_id IS NOT NULL`,
			mark, last.Int64); err != nil {
			return err
		}
		return setMark(ctx, tx, "client_ids", last.Int64)
	})
	if err != nil {
		return 0, fmt.Errorf("clear client ids: %w", err)
	}
	return n, nil
}

// LiveMessagesBefore implements chat.LifecycleStore. Without an index on
// created_at (it would cost every message its bytes) it walks rowids,
// which follow commit order, from the first live message its last call met
// (kept in cleanup_marks as task 'retention': walks start at it), skipping
// tombstones, and stops at the first live message not old enough; it keeps
// the first live message it meets now, old or not. What the walk passes
// are tombstones, which stay tombstones, so no call reads them again;
// without the mark each call read every message of the history.
func (s *Store) LiveMessagesBefore(ctx context.Context, before time.Time, limit int) ([]chat.MessageKey, error) {
	var mark int64
	err := s.r.QueryRowContext(ctx, `SELECT mark FROM cleanup_marks WHERE task = 'retention'`).Scan(&mark)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("live messages before: %w", err)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT rowid, room_id, seq, created_at < ? FROM messages
		WHERE rowid >= ? AND deleted_at IS NULL ORDER BY rowid LIMIT ?`, ms(before), mark, limit)
	if err != nil {
		return nil, fmt.Errorf("live messages before: %w", err)
	}
	out := []chat.MessageKey{}
	first, young := int64(-1), false
	err = eachRow(rows, func(sc scanner) error {
		var k chat.MessageKey
		var r int64
		var old bool
		if err := sc.Scan(&r, &k.RoomID, &k.Seq, &old); err != nil {
			return err
		}
		if first < 0 {
			first = r
		}
		if young = young || !old; !young {
			out = append(out, k)
		}
		return nil
	})
	if err == nil && first >= 0 && first != mark {
		err = setMark(ctx, s.w, "retention", first)
	}
	if err != nil {
		return nil, fmt.Errorf("live messages before: %w", err)
	}
	return out, nil
}

// setMark keeps where a cleanup task's walk of messages is (cleanup_marks).
func setMark(ctx context.Context, db interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, task string, mark int64) error {
	_, err := db.ExecContext(ctx, `INSERT INTO cleanup_marks (task, mark) VALUES (?, ?)
		ON CONFLICT (task) DO UPDATE SET mark = excluded.mark`, task, mark)
	return err
}

// deleteBatch runs one bounded delete (or update) and returns its row count.
func (s *Store) deleteBatch(ctx context.Context, what, query string, args ...any) (int64, error) {
	res, err := s.w.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	return n, nil
}

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// The change stream (chat.ChangeStore). Each change runs in one write
// transaction that takes the room's next change number first, so changes
// to a room commit in change order, as appends commit in seq order.

var (
	errMessageNotFound = chat.Errorf(chat.ENOTFOUND, "message not found")
	errBadParent       = chat.Invalid("reply_to", "must be a message of the room that is not deleted and not a reply itself")
)

// nextChange takes the room's next change number for a change that sets
// it on its message with (SELECT last_change FROM rooms …).
func nextChange(ctx context.Context, tx *sql.Tx, roomID string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE rooms SET last_change = last_change + 1 WHERE id = ?`, roomID); err != nil {
		return fmt.Errorf("next change: %w", err)
	}
	return nil
}

// MessageBySeq implements chat.ChangeStore.
func (s *Store) MessageBySeq(ctx context.Context, roomID string, seq int64) (chat.Message, error) {
	return messageBySeq(ctx, s.r, roomID, seq)
}

// rowQuerier is the database or a transaction.
type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func messageBySeq(ctx context.Context, q rowQuerier, roomID string, seq int64) (chat.Message, error) {
	m, err := scanMessage(q.QueryRowContext(ctx, `SELECT `+msgCols+` FROM messages m JOIN users u ON u.id = m.author_id
		WHERE m.room_id = ? AND m.seq = ?`, roomID, seq))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return chat.Message{}, errMessageNotFound
	case err != nil:
		return chat.Message{}, fmt.Errorf("message by seq: %w", err)
	}
	return m, nil
}

// change runs fn on the live (not deleted) message roomID/seq in a write
// transaction, handing it the room's next change number, and returns the
// message as fn left it. fn returning errNoChange rolls back: nothing to do.
func (s *Store) change(ctx context.Context, roomID string, seq int64, fn func(tx *sql.Tx, m *chat.Message, change, now int64) error) (chat.Message, error) {
	var out chat.Message
	err := s.write(ctx, func(tx *sql.Tx) error {
		m, err := messageBySeq(ctx, tx, roomID, seq)
		if err != nil {
			return err
		}
		if m.Deleted {
			return errMessageNotFound
		}
		var change int64
		if err := tx.QueryRowContext(ctx, `UPDATE rooms SET last_change = last_change + 1 WHERE id = ? RETURNING last_change`,
			roomID).Scan(&change); err != nil {
			return fmt.Errorf("next change: %w", err)
		}
		if err := fn(tx, &m, change, time.Now().UnixMilli()); err != nil {
			return err
		}
		m.Change = change
		out = m
		return nil
	})
	return out, err
}

var errNoChange = errors.New("no change")

// EditMessage implements chat.ChangeStore.
func (s *Store) EditMessage(ctx context.Context, e chat.MessageEdit) (chat.Message, error) {
	return s.change(ctx, e.RoomID, e.Seq, func(tx *sql.Tx, m *chat.Message, change, now int64) error {
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET body = ?, mentions = ?, edited_at = ?, change = ? WHERE id = ?`,
			e.Body, encodeMentions(e.Mentions), now, change, m.ID); err != nil {
			return fmt.Errorf("edit message: %w", err)
		}
		if err := s.editMentions(ctx, tx, m.ID, m.RoomID, e.MentionUserIDs, now); err != nil {
			return err
		}
		t := fromMS(now)
		m.Body, m.Mentions, m.EditedAt = e.Body, slices.Clone(e.Mentions), &t
		if m.Mentions == nil {
			m.Mentions = []string{}
		}
		return nil
	})
}

// editMentions makes the message's mentions those of userIDs: a new one
// gets a mention and, unless the user had a notification for this message
// already, a pending one; a dropped one loses its mention and its
// notification if no mail batch has taken it yet.
func (s *Store) editMentions(ctx context.Context, tx *sql.Tx, messageID, roomID string, userIDs []string, now int64) error {
	ids := `(SELECT value FROM json_each(?))`
	list := encodeMentions(userIDs) // a JSON array of strings
	for _, q := range []string{
		`DELETE FROM notifications WHERE message_id = ? AND batch_id IS NULL AND user_id NOT IN ` + ids,
		`DELETE FROM mentions WHERE message_id = ? AND user_id NOT IN ` + ids,
	} {
		if _, err := tx.ExecContext(ctx, q, messageID, list); err != nil {
			return fmt.Errorf("drop mentions: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO mentions (message_id, user_id, room_id)
		SELECT ?, value, ? FROM json_each(?) WHERE value NOT IN (SELECT user_id FROM mentions WHERE message_id = ?)`,
		messageID, roomID, list, messageID); err != nil {
		return fmt.Errorf("add mentions: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO notifications (user_id, message_id, room_id, created_at)
		SELECT value, ?, ?, ? FROM json_each(?) WHERE value NOT IN (SELECT user_id FROM notifications WHERE message_id = ?)`,
		messageID, roomID, now, list, messageID); err != nil {
		return fmt.Errorf("add notifications: %w", err)
	}
	return nil
}

// DeleteMessage implements chat.ChangeStore.
func (s *Store) DeleteMessage(ctx context.Context, roomID string, seq int64) (chat.Message, error) {
	return s.change(ctx, roomID, seq, func(tx *sql.Tx, m *chat.Message, change, now int64) error {
		for _, q := range []string{
			`DELETE FROM notifications WHERE message_id = ? AND batch_id IS NULL`,
			`DELETE FROM mentions WHERE message_id = ?`,
			`DELETE FROM reactions WHERE message_id = ?`,
			`DELETE FROM message_uploads WHERE message_id = ?`,
		} {
			if _, err := tx.ExecContext(ctx, q, m.ID); err != nil {
				return fmt.Errorf("delete message: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET body = '', mentions = '[]', reactions = '[]', attachments = '[]', edited_at = NULL,
			deleted_at = ?, change = ? WHERE id = ?`, now, change, m.ID); err != nil {
			return fmt.Errorf("delete message: %w", err)
		}
		*m = chat.Tombstone(*m)
		return nil
	})
}

// React implements chat.ChangeStore.
func (s *Store) React(ctx context.Context, roomID string, seq int64, userID, emoji string, add bool) (chat.Message, bool, error) {
	m, err := s.change(ctx, roomID, seq, func(tx *sql.Tx, m *chat.Message, change, now int64) error {
		rs, changed, err := chat.ApplyReaction(m.Reactions, emoji, userID, add)
		if err != nil {
			return err
		}
		if !changed {
			return errNoChange
		}
		q := `DELETE FROM reactions WHERE message_id = ? AND emoji = ? AND user_id = ?`
		args := []any{m.ID, emoji, userID}
		if add {
			q, args = `INSERT INTO reactions (message_id, emoji, user_id, created_at) VALUES (?, ?, ?, ?)`, append(args, now)
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("react: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET reactions = ?, change = ? WHERE id = ?`,
			chat.EncodeReactions(rs), change, m.ID); err != nil {
			return fmt.Errorf("react: %w", err)
		}
		m.Reactions = rs
		return nil
	})
	if errors.Is(err, errNoChange) {
		return chat.Message{}, false, nil
	}
	return m, err == nil, err
}

// ChangesAfter implements chat.ChangeStore. A message written since its
// creation (edited, reacted to, deleted, replied to) is found through
// messages_changed, which holds only those (migration 0018); one that was
// not has the change it was created with, which grows with seq, so the
// room's messages created after change after are those from a seq that
// seqBound finds. The two lists, each in change order, make the page.
func (s *Store) ChangesAfter(ctx context.Context, roomID string, after int64, limit int) ([]chat.Message, error) {
	if limit <= 0 {
		limit = chat.PageDefaultLimit
	}
	return s.queryMessages(ctx, "changes", `SELECT `+msgCols+` FROM (
		SELECT * FROM (SELECT * FROM messages WHERE room_id = ?1 AND change > ?2 AND change <> first_change ORDER BY change LIMIT ?3)
		UNION ALL
		SELECT * FROM (SELECT * FROM messages WHERE room_id = ?1 AND seq >= `+seqBound("?1", `x.first_change <= ?2`)+`
			AND change = first_change ORDER BY seq LIMIT ?3)
		) m JOIN users u ON u.id = m.author_id ORDER BY m.change LIMIT ?3`, roomID, after, limit)
}

// seqBound is SQL for the lowest seq k of room such that no message x of
// the room from k on holds probe, a condition on x that holds for the
// room's first messages and, once false, stays false as seq grows (a
// change number at most some value). It is a binary search over the
// (room_id, seq) index, about log2(last_seq) probes, each reading the first
// message at or after the middle seq; an index on (room_id, change) would
// answer it in one probe, but costs every message an insert (migration
// 0018).
func seqBound(room, probe string) string {
	holds := `coalesce((SELECT ` + probe + ` FROM messages x WHERE x.room_id = ` + room + ` AND x.seq >= (b.lo + b.hi) / 2 ORDER BY x.seq LIMIT 1), 0)`
	return `(WITH RECURSIVE b(lo, hi) AS (
		SELECT 0, last_seq + 1 FROM rooms WHERE id = ` + room + `
		UNION ALL
		SELECT CASE WHEN ` + holds + ` THEN (b.lo + b.hi) / 2 ELSE b.lo END, CASE WHEN ` + holds + ` THEN b.hi ELSE (b.lo + b.hi) / 2 END
		FROM b WHERE b.hi - b.lo > 1
	) SELECT min(hi) FROM b)`
}

// Head implements chat.ChangeStore.
func (s *Store) Head(ctx context.Context, roomID string) (chat.Head, error) {
	var h chat.Head
	err := s.r.QueryRowContext(ctx, `SELECT last_seq, last_change FROM rooms WHERE id = ?`, roomID).Scan(&h.LastSeq, &h.LastChange)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return chat.Head{}, chat.Errorf(chat.ENOTFOUND, "room not found")
	case err != nil:
		return chat.Head{}, fmt.Errorf("room head: %w", err)
	}
	return h, nil
}

// Heads implements chat.ChangeStore.
func (s *Store) Heads(ctx context.Context, roomIDs []string) (map[string]chat.Head, error) {
	heads := make(map[string]chat.Head, len(roomIDs))
	if len(roomIDs) == 0 {
		return heads, nil
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, last_seq, last_change FROM rooms WHERE id IN (`+placeholders(len(roomIDs))+`)`, anys(roomIDs)...)
	if err != nil {
		return nil, fmt.Errorf("room heads: %w", err)
	}
	var id string
	var h chat.Head
	if err := eachRow(rows, func(sc scanner) error {
		if err := sc.Scan(&id, &h.LastSeq, &h.LastChange); err != nil {
			return err
		}
		heads[id] = h
		return nil
	}); err != nil {
		return nil, fmt.Errorf("room heads: %w", err)
	}
	return heads, nil
}

// Replies implements chat.ChangeStore.
func (s *Store) Replies(ctx context.Context, roomID string, parent, after int64, limit int) ([]chat.Message, error) {
	if limit <= 0 {
		limit = chat.PageDefaultLimit
	}
	return s.queryMessages(ctx, "replies", `SELECT `+msgCols+` FROM messages m JOIN users u ON u.id = m.author_id
		WHERE m.room_id = ? AND m.reply_to = ? AND m.seq > ? ORDER BY m.seq LIMIT ?`, roomID, parent, after, limit)
}

// queryMessages runs a query of msgCols rows and scans every message.
func (s *Store) queryMessages(ctx context.Context, what, query string, args ...any) ([]chat.Message, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	out, err := collectRows(rows, func(sc scanner) (chat.Message, error) { return scanMessage(sc) })
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/open-chat/openchat/internal/chat"
)

// The change stream (chat.ChangeStore). Each change runs in one
// transaction that first takes the room's next change number, which locks
// the room row: changes to a room commit in change order, as appends
// (which lock the same row) commit in seq order.

var (
	errMessageNotFound = chat.Errorf(chat.ENOTFOUND, "message not found")
	errBadParent       = chat.Invalid("reply_to", "must be a message of the room that is not deleted and not a reply itself")
)

// countReply counts a reply on its parent, which takes the room's next
// change number; the room row is locked. errBadParent rolls the reply back.
func countReply(ctx context.Context, tx pgx.Tx, roomID string, parent int64, at time.Time) error {
	tag, err := tx.Exec(ctx, `WITH c AS (UPDATE rooms SET last_change = last_change + 1 WHERE id = $1 RETURNING last_change)
		UPDATE messages SET reply_count = reply_count + 1, last_reply_at = $3, change = c.last_change FROM c
		WHERE room_id = $1 AND seq = $2 AND deleted_at IS NULL AND reply_to IS NULL`, roomID, parent, at)
	switch {
	case err != nil:
		return fmt.Errorf("count reply: %w", err)
	case tag.RowsAffected() == 0:
		return errBadParent
	}
	return nil
}

// MessageBySeq implements chat.ChangeStore.
func (s *Store) MessageBySeq(ctx context.Context, roomID string, seq int64) (chat.Message, error) {
	return messageBySeq(ctx, s.pool, roomID, seq)
}

// rowQuerier is a pool or a transaction.
type rowQuerier interface {
	QueryRow(ctx context.Context, query string, args ...any) pgx.Row
}

func messageBySeq(ctx context.Context, q rowQuerier, roomID string, seq int64) (chat.Message, error) {
	m, err := scanMessage(q.QueryRow(ctx, `SELECT `+msgCols+` FROM messages m JOIN users u ON u.id = m.author_id
		WHERE m.room_id = $1 AND m.seq = $2`, roomID, seq))
	switch {
	case isNoRows(err):
		return chat.Message{}, errMessageNotFound
	case err != nil:
		return chat.Message{}, fmt.Errorf("message by seq: %w", err)
	}
	return m, nil
}

// change runs fn on the live (not deleted) message roomID/seq in a
// transaction, handing it the room's next change number, and returns the
// message as fn left it. fn returning errNoChange rolls back: nothing to do.
func (s *Store) change(ctx context.Context, roomID string, seq int64, fn func(tx pgx.Tx, m *chat.Message, change int64, now time.Time) error) (chat.Message, error) {
	var out chat.Message
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var change int64
		err := tx.QueryRow(ctx, `UPDATE rooms SET last_change = last_change + 1 WHERE id = $1 RETURNING last_change`, roomID).Scan(&change)
		switch {
		case isNoRows(err):
			return errMessageNotFound
		case err != nil:
			return fmt.Errorf("next change: %w", err)
		}
		m, err := messageBySeq(ctx, tx, roomID, seq)
		if err != nil {
			return err
		}
		if m.Deleted {
			return errMessageNotFound
		}
		if err := fn(tx, &m, change, time.Now().UTC().Truncate(time.Millisecond)); err != nil {
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
	return s.change(ctx, e.RoomID, e.Seq, func(tx pgx.Tx, m *chat.Message, change int64, now time.Time) error {
		if _, err := tx.Exec(ctx, `UPDATE messages SET body = $1, mentions = $2, edited_at = $3, change = $4 WHERE id = $5`,
			e.Body, encodeMentions(e.Mentions), now, change, m.ID); err != nil {
			return fmt.Errorf("edit message: %w", err)
		}
		if err := editMentions(ctx, tx, m.ID, m.RoomID, e.MentionUserIDs, now); err != nil {
			return err
		}
		t := ts(now)
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
func editMentions(ctx context.Context, tx pgx.Tx, messageID, roomID string, userIDs []string, now time.Time) error {
	if userIDs == nil {
		userIDs = []string{}
	}
	for _, q := range []string{
		`DELETE FROM notifications WHERE message_id = $1 AND batch_id IS NULL AND NOT user_id = ANY($2)`,
		`DELETE FROM mentions WHERE message_id = $1 AND NOT user_id = ANY($2)`,
	} {
		if _, err := tx.Exec(ctx, q, messageID, userIDs); err != nil {
			return fmt.Errorf("drop mentions: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO mentions (message_id, user_id, room_id)
		SELECT $1, u, $2 FROM unnest($3::text[]) AS u WHERE u NOT IN (SELECT user_id FROM mentions WHERE message_id = $1)`,
		messageID, roomID, userIDs); err != nil {
		return fmt.Errorf("add mentions: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO notifications (user_id, message_id, room_id, created_at)
		SELECT u, $1, $2, $3 FROM unnest($4::text[]) AS u WHERE u NOT IN (SELECT user_id FROM notifications WHERE message_id = $1)`,
		messageID, roomID, now, userIDs); err != nil {
		return fmt.Errorf("add notifications: %w", err)
	}
	return nil
}

// DeleteMessage implements chat.ChangeStore.
func (s *Store) DeleteMessage(ctx context.Context, roomID string, seq int64) (chat.Message, error) {
	return s.change(ctx, roomID, seq, func(tx pgx.Tx, m *chat.Message, change int64, now time.Time) error {
		for _, q := range []string{
			`DELETE FROM notifications WHERE message_id = $1 AND batch_id IS NULL`,
			`DELETE FROM mentions WHERE message_id = $1`,
			`DELETE FROM reactions WHERE message_id = $1`,
			`DELETE FROM message_uploads WHERE message_id = $1`,
		} {
			if _, err := tx.Exec(ctx, q, m.ID); err != nil {
				return fmt.Errorf("delete message: %w", err)
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE messages SET body = '', mentions = '[]', reactions = '[]', attachments = '[]', edited_at = NULL,
			deleted_at = $1, change = $2 WHERE id = $3`, now, change, m.ID); err != nil {
			return fmt.Errorf("delete message: %w", err)
		}
		*m = chat.Tombstone(*m)
		return nil
	})
}

// React implements chat.ChangeStore.
func (s *Store) React(ctx context.Context, roomID string, seq int64, userID, emoji string, add bool) (chat.Message, bool, error) {
	m, err := s.change(ctx, roomID, seq, func(tx pgx.Tx, m *chat.Message, change int64, now time.Time) error {
		rs, changed, err := chat.ApplyReaction(m.Reactions, emoji, userID, add)
		if err != nil {
			return err
		}
		if !changed {
			return errNoChange
		}
		q := `DELETE FROM reactions WHERE message_id = $1 AND emoji = $2 AND user_id = $3`
		args := []any{m.ID, emoji, userID}
		if add {
			q, args = `INSERT INTO reactions (message_id, emoji, user_id, created_at) VALUES ($1, $2, $3, $4)`, append(args, now)
		}
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return fmt.Errorf("react: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE messages SET reactions = $1, change = $2 WHERE id = $3`,
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
		(SELECT * FROM messages WHERE room_id = $1 AND change > $2 AND change <> first_change ORDER BY change LIMIT $3)
		UNION ALL
		(SELECT * FROM messages WHERE room_id = $1 AND seq >= `+seqBound("$1", `x.first_change <= $2`)+`
			AND change = first_change ORDER BY seq LIMIT $3)
		) m JOIN users u ON u.id = m.author_id ORDER BY m.change LIMIT $3`, roomID, after, limit)
}

// Head implements chat.ChangeStore.
func (s *Store) Head(ctx context.Context, roomID string) (chat.Head, error) {
	var h chat.Head
	err := s.pool.QueryRow(ctx, `SELECT last_seq, last_change FROM rooms WHERE id = $1`, roomID).Scan(&h.LastSeq, &h.LastChange)
	switch {
	case isNoRows(err):
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
	rows, err := s.pool.Query(ctx, `SELECT id, last_seq, last_change FROM rooms WHERE id = ANY($1)`, roomIDs)
	if err != nil {
		return nil, fmt.Errorf("room heads: %w", err)
	}
	var id string
	var h chat.Head
	if _, err := pgx.ForEachRow(rows, []any{&id, &h.LastSeq, &h.LastChange}, func() error {
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
		WHERE m.room_id = $1 AND m.reply_to = $2 AND m.seq > $3 ORDER BY m.seq LIMIT $4`, roomID, parent, after, limit)
}

// queryMessages runs a query of msgCols rows and scans every message.
func (s *Store) queryMessages(ctx context.Context, what, query string, args ...any) ([]chat.Message, error) {
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (chat.Message, error) { return scanMessage(r) })
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

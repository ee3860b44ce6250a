package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// msgCols selects a message with its author; the query names messages m and users u.
const msgCols = `m.id, m.room_id, m.seq, m.author_id, u.username, u.display_name, m.body, m.client_id, m.mentions, m.created_at`

func scanMessage(sc scanner, extra ...any) (chat.Message, error) {
	var m chat.Message
	var clientID sql.NullString
	var mentions string
	var created int64
	dest := append([]any{&m.ID, &m.RoomID, &m.Seq, &m.Author.ID, &m.Author.Username, &m.Author.DisplayName,
		&m.Body, &clientID, &mentions, &created}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return chat.Message{}, err
	}
	m.ClientID, m.CreatedAt = clientID.String, fromMS(created)
	if err := json.Unmarshal([]byte(mentions), &m.Mentions); err != nil {
		return chat.Message{}, fmt.Errorf("decode mentions of %s: %w", m.ID, err)
	}
	if m.Mentions == nil {
		m.Mentions = []string{}
	}
	return m, nil
}

func encodeMentions(names []string) string {
	if len(names) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(names) // []string always encodes
	return string(b)
}

// AppendMessage stores m with the room's next seq in one write transaction.
// The single writer serializes appends, so seq has no gaps; the time is
// taken inside the transaction, so it never goes backwards as seq grows.
func (s *Store) AppendMessage(ctx context.Context, m chat.NewMessage) (chat.Message, bool, error) {
	if m.ClientID != "" {
		if old, ok, err := s.messageByClientID(ctx, s.r, m); err != nil || ok {
			return old, false, err
		}
	}
	var out chat.Message
	var created bool
	err := s.write(ctx, func(tx *sql.Tx) error {
		if m.ClientID != "" { // a duplicate may have committed since the check above
			old, ok, err := s.messageByClientID(ctx, tx, m)
			if err != nil || ok {
				out = old
				return err
			}
		}
		var seq int64
		err := tx.QueryRowContext(ctx, `UPDATE rooms SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq`, m.RoomID).Scan(&seq)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return chat.Errorf(chat.ENOTFOUND, "room not found")
		case err != nil:
			return fmt.Errorf("next seq: %w", err)
		}
		now := chat.NewTime(time.Now())
		var clientID any
		if m.ClientID != "" {
			clientID = m.ClientID
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO messages (id, room_id, seq, author_id, body, client_id, mentions, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, m.ID, m.RoomID, seq, m.Author.ID, m.Body, clientID, encodeMentions(m.Mentions), ms(now.Time)); err != nil {
			return fmt.Errorf("insert message: %w", err)
		}
		for _, uid := range m.MentionUserIDs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO mentions (message_id, user_id, room_id) VALUES (?, ?, ?)`, m.ID, uid, m.RoomID); err != nil {
				return fmt.Errorf("insert mention: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO notifications (user_id, message_id, room_id, created_at) VALUES (?, ?, ?, ?)`,
				uid, m.ID, m.RoomID, ms(now.Time)); err != nil {
				return fmt.Errorf("insert notification: %w", err)
			}
		}
		mentions := slices.Clone(m.Mentions)
		if mentions == nil {
			mentions = []string{}
		}
		out = chat.Message{ID: m.ID, RoomID: m.RoomID, Seq: seq, Author: m.Author, Body: m.Body,
			CreatedAt: now, ClientID: m.ClientID, Mentions: mentions}
		created = true
		return nil
	})
	if err != nil {
		return chat.Message{}, false, fmt.Errorf("append message: %w", err)
	}
	return out, created, nil
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *Store) messageByClientID(ctx context.Context, q querier, m chat.NewMessage) (chat.Message, bool, error) {
	old, err := scanMessage(q.QueryRowContext(ctx, `SELECT `+msgCols+` FROM messages m JOIN users u ON u.id = m.author_id
		WHERE m.room_id = ? AND m.author_id = ? AND m.client_id = ?`, m.RoomID, m.Author.ID, m.ClientID))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return chat.Message{}, false, nil
	case err != nil:
		return chat.Message{}, false, fmt.Errorf("message by client id: %w", err)
	}
	return old, true, nil
}

// Messages returns up to q.Limit messages of a room, oldest first: the
// newest ones, those before q.Before or those after q.After. A limit <= 0
// means chat.PageDefaultLimit.
func (s *Store) Messages(ctx context.Context, roomID string, q chat.MessageQuery) ([]chat.Message, error) {
	if q.Limit <= 0 {
		q.Limit = chat.PageDefaultLimit
	}
	base := `SELECT ` + msgCols + ` FROM messages m JOIN users u ON u.id = m.author_id WHERE m.room_id = ?`
	var query string
	var args []any
	switch {
	case q.After > 0:
		query, args = base+` AND m.seq > ? ORDER BY m.seq ASC LIMIT ?`, []any{roomID, q.After, q.Limit}
	case q.Before > 0:
		query, args = base+` AND m.seq < ? ORDER BY m.seq DESC LIMIT ?`, []any{roomID, q.Before, q.Limit}
	default:
		query, args = base+` ORDER BY m.seq DESC LIMIT ?`, []any{roomID, q.Limit}
	}
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	defer rows.Close()
	out := make([]chat.Message, 0, min(q.Limit, 1024))
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, fmt.Errorf("scan message: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	if q.After <= 0 {
		slices.Reverse(out)
	}
	return out, nil
}

// Mentions lists a user's mentions newest first, with ID < before when before > 0.
func (s *Store) Mentions(ctx context.Context, userID string, before int64, limit int) ([]chat.Mention, error) {
	if limit <= 0 {
		limit = chat.PageDefaultLimit
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+msgCols+`, mn.id, r.name
		FROM mentions mn JOIN messages m ON m.id = mn.message_id JOIN users u ON u.id = m.author_id JOIN rooms r ON r.id = mn.room_id
		WHERE mn.user_id = ? AND (? <= 0 OR mn.id < ?) ORDER BY mn.id DESC LIMIT ?`, userID, before, before, limit)
	if err != nil {
		return nil, fmt.Errorf("list mentions: %w", err)
	}
	defer rows.Close()
	out := []chat.Mention{}
	for rows.Next() {
		var mn chat.Mention
		m, err := scanMessage(rows, &mn.ID, &mn.Room.Name)
		if err != nil {
			return nil, fmt.Errorf("scan mention: %w", err)
		}
		mn.Message, mn.Room.ID = m, m.RoomID
		out = append(out, mn)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list mentions: %w", err)
	}
	return out, nil
}

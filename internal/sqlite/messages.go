package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/groupcommit"
)

// msgCols selects a message with its author; the query names messages m and users u.
const msgCols = `m.id, m.room_id, m.seq, m.author_id, u.username, u.display_name, m.body, m.client_id, m.mentions, m.created_at,
	m.change, m.edited_at, m.deleted_at, m.reactions, m.reply_to, m.also_to_room, m.reply_count, m.last_reply_at, m.attachments`

func scanMessage(sc scanner, extra ...any) (chat.Message, error) {
	var m chat.Message
	var clientID sql.NullString
	var mentions string
	var created int64
	var edited, deleted, replyTo, lastReply sql.NullInt64
	var reactions, attachments string
	dest := append([]any{&m.ID, &m.RoomID, &m.Seq, &m.Author.ID, &m.Author.Username, &m.Author.DisplayName,
		&m.Body, &clientID, &mentions, &created, &m.Change, &edited, &deleted, &reactions,
		&replyTo, &m.AlsoToRoom, &m.ReplyCount, &lastReply, &attachments}, extra...)
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
	if edited.Valid {
		t := fromMS(edited.Int64)
		m.EditedAt = &t
	}
	m.Deleted = deleted.Valid
	m.ReplyTo = replyTo.Int64
	if lastReply.Valid {
		t := fromMS(lastReply.Int64)
		m.LastReplyAt = &t
	}
	var err error
	if m.Reactions, err = chat.DecodeReactions(reactions); err != nil {
		return chat.Message{}, fmt.Errorf("message %s: %w", m.ID, err)
	}
	if m.Attachments, err = chat.DecodeAttachments(attachments, m.ID); err != nil {
		return chat.Message{}, err
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

// AppendMessage stores m with the room's next seq. Appends queue for the
// group committer (groupcommit.go), which runs them on the single writer, so
// seq has no gaps; a group's time is taken when its transaction starts and
// never goes backwards, so it never decreases as seq grows. The answer comes
// after the group's transaction commits. A caller whose ctx ends while its
// append is queued gets ctx's error and the append is dropped; once the
// transaction has started it may still commit, and a retry with the same
// client_id then returns it.
func (s *Store) AppendMessage(ctx context.Context, m chat.NewMessage) (chat.Message, bool, error) {
	r, err := s.appends.Do(ctx, m)
	if errors.Is(err, groupcommit.ErrClosed) {
		return chat.Message{}, false, chat.Errorf(chat.EUNAVAILABLE, "store is closed")
	}
	if err != nil {
		return chat.Message{}, false, err
	}
	return r.msg, r.created, r.err
}

// oneByClientID reads the answer of a client_id lookup (st.byClientID).
func oneByClientID(row *sql.Row) (chat.Message, bool, error) {
	old, err := scanMessage(row)
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
	out, err := collectRows(rows, func(sc scanner) (chat.Mention, error) {
		var mn chat.Mention
		m, err := scanMessage(sc, &mn.ID, &mn.Room.Name)
		mn.Message, mn.Room.ID = m, m.RoomID
		return mn, err
	})
	if err != nil {
		return nil, fmt.Errorf("list mentions: %w", err)
	}
	return out, nil
}

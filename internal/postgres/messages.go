package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/groupcommit"
)

// msgCols selects a message with its author; the query names messages m and users u.
const msgCols = `m.id, m.room_id, m.seq, m.author_id, u.username, u.display_name, m.body, m.client_id, m.mentions, m.created_at,
	m.change, m.edited_at, m.deleted_at, m.reactions, m.reply_to, m.also_to_room, m.reply_count, m.last_reply_at, m.attachments`

func scanMessage(row pgx.Row, extra ...any) (chat.Message, error) {
	var m chat.Message
	var clientID *string
	var mentions string
	var created time.Time
	var edited, deleted, lastReply *time.Time
	var replyTo *int64
	var reactions, attachments string
	dest := append([]any{&m.ID, &m.RoomID, &m.Seq, &m.Author.ID, &m.Author.Username, &m.Author.DisplayName,
		&m.Body, &clientID, &mentions, &created, &m.Change, &edited, &deleted, &reactions,
		&replyTo, &m.AlsoToRoom, &m.ReplyCount, &lastReply, &attachments}, extra...)
	if err := row.Scan(dest...); err != nil {
		return chat.Message{}, err
	}
	if clientID != nil {
		m.ClientID = *clientID
	}
	m.CreatedAt = ts(created)
	if err := json.Unmarshal([]byte(mentions), &m.Mentions); err != nil {
		return chat.Message{}, fmt.Errorf("decode mentions of %s: %w", m.ID, err)
	}
	if m.Mentions == nil {
		m.Mentions = []string{}
	}
	if edited != nil {
		t := ts(*edited)
		m.EditedAt = &t
	}
	m.Deleted = deleted != nil
	if replyTo != nil {
		m.ReplyTo = *replyTo
	}
	if lastReply != nil {
		t := ts(*lastReply)
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

// errDuplicate rolls back an append that lost a race on its client id.
var errDuplicate = errors.New("duplicate client id")

// AppendMessage stores m with the room's next seq in one transaction. The
// UPDATE of rooms.last_seq locks the room row until commit, so appends to
// one room serialize across instances and seq has no gaps; the time is read
// after that lock (clock_timestamp), so it never goes backwards as seq grows.
//
// Appends queue for the group committer (groupcommit.go); the answer comes
// after the group's transaction commits. A caller whose ctx ends while its
// append is queued gets ctx's error and the append is dropped; once the
// transaction has started it may still commit, and a retry with the same
// client_id then returns it.
func (s *Store) AppendMessage(ctx context.Context, m chat.NewMessage) (chat.Message, bool, error) {
	if m.ReplyTo != 0 || len(m.Attachments) > 0 { // a reply also changes its parent, files add rows: in a transaction of its own
		return s.appendOne(ctx, m)
	}
	r, err := s.appends.Do(ctx, m)
	if errors.Is(err, groupcommit.ErrClosed) {
		return chat.Message{}, false, chat.Errorf(chat.EUNAVAILABLE, "store is closed")
	}
	if err != nil {
		return chat.Message{}, false, err
	}
	return r.msg, r.created, r.err
}

// appendOne is AppendMessage for one message in its own transaction.
func (s *Store) appendOne(ctx context.Context, m chat.NewMessage) (chat.Message, bool, error) {
	var out chat.Message
	var err error
	if len(m.MentionUserIDs) == 0 && len(m.NotifyUserIDs) == 0 && m.ReplyTo == 0 && len(m.Attachments) == 0 {
		out, err = s.appendPlain(ctx, m)
	} else {
		out, err = s.appendWithMentions(ctx, m)
	}
	if errors.Is(err, errDuplicate) { // a concurrent retry committed first; its seq stands, ours rolled back
		old, ok, err := s.messageByClientID(ctx, m)
		if err == nil && !ok {
			err = errors.New("duplicate client id vanished")
		}
		return old, false, err
	}
	if err != nil {
		return chat.Message{}, false, fmt.Errorf("append message: %w", err)
	}
	return out, true, nil
}

// appendPlain appends a message without mentions (joining the room with
// m.Join) in one statement, which
// PostgreSQL runs as its own transaction: one round trip where BEGIN, the
// seq UPDATE, the INSERT and COMMIT took four. The INSERT reads from the
// UPDATE, so the room row is locked (appends to one room serialize, seq
// has no gaps) before clock_timestamp() is read, as in appendWithMentions.
// The statement commits (synchronous_commit) before it answers.
func (s *Store) appendPlain(ctx context.Context, m chat.NewMessage) (chat.Message, error) {
	var clientID *string
	if id := m.ClientID; id != "" {
		clientID = &id // not &m.ClientID, which would move all of m to the heap
	}
	var seq, change int64
	var created time.Time
	q := appendPlainSQL
	if m.Join {
		q = appendJoinSQL
	}
	err := s.pool.QueryRow(ctx, q, m.RoomID, m.Author.ID, m.ID, m.Body, clientID, encodeMentions(m.Mentions)).
		Scan(&seq, &created, &change)
	switch {
	case isNoRows(err):
		return chat.Message{}, missingRef(ctx, s.pool, m)
	case isUnique(err) && m.ClientID != "":
		return chat.Message{}, errDuplicate
	case err != nil:
		return chat.Message{}, err
	}
	mentions := slices.Clone(m.Mentions)
	if mentions == nil {
		mentions = []string{}
	}
	return chat.Message{ID: m.ID, RoomID: m.RoomID, Seq: seq, Author: m.Author, Body: m.Body,
		CreatedAt: ts(created), ClientID: m.ClientID, Mentions: mentions, Change: change, Reactions: []chat.Reaction{}, Attachments: []chat.Upload{}}, nil
}

// takeSeq is the UPDATE that takes the next seq and change of room $1 for
// one message by author $2, RETURNING last_seq, last_change; it returns no
// row, and so nothing gets written, if the room or the author does not
// exist. No foreign key checks a message's (migration 0019): this does,
// under the room's row lock that it takes.
const takeSeq = `UPDATE rooms SET last_seq = last_seq + 1, last_change = last_change + 1
		WHERE id = $1 AND EXISTS (SELECT 1 FROM users WHERE id = $2) RETURNING last_seq, last_change`

// appendPlain's statement ($1 room, $2 author, $3 id, $4 body, $5 client
// id, $6 mentions), and the same joining the author to the room first.
// Constants: built per call, they cost two allocations per message.
const (
	appendPlainSQL = `WITH r AS (` + takeSeq + `)` + appendInsertSQL
	appendJoinSQL  = `WITH r AS (` + takeSeq + `), j AS (INSERT INTO room_members (room_id, user_id, role, joined_at, last_read_seq)
			SELECT $1, $2, 'member', date_trunc('milliseconds', clock_timestamp()), r.last_seq FROM r
			ON CONFLICT (room_id, user_id) DO UPDATE SET last_read_seq = GREATEST(room_members.last_read_seq, EXCLUDED.last_read_seq))` +
		appendInsertSQL
	appendInsertSQL = `
		INSERT INTO messages (id, room_id, seq, author_id, body, client_id, mentions, created_at, change, first_change)
		SELECT $3, $1, r.last_seq, $2, $4, $5, $6, date_trunc('milliseconds', clock_timestamp()), r.last_change, r.last_change FROM r
		RETURNING seq, created_at, change`
)

// missingRef says what an append that took no seq (takeSeq) lacked: its
// room or its author.
func missingRef(ctx context.Context, q rowQuerier, m chat.NewMessage) error {
	var room bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM rooms WHERE id = $1)`, m.RoomID).Scan(&room); err != nil {
		return fmt.Errorf("append message: %w", err)
	}
	return chat.MissingRef(room)
}

// appendWithMentions' statements after takeSeq: the message ($1 id, $2
// room, $3 seq, $4 author, $5 body, $6 client id, $7 mentions, $8 change,
// $9 reply_to, $10 also_to_room, $11 attachments), its mentions and its
// notifications.
const (
	insertMessageSQL = `INSERT INTO messages (id, room_id, seq, author_id, body, client_id, mentions, created_at, change, first_change, reply_to, also_to_room, attachments)
		VALUES ($1, $2, $3, $4, $5, $6, $7, date_trunc('milliseconds', clock_timestamp()), $8, $8, $9, $10, $11) RETURNING created_at`
	insertMessageMentionsSQL      = `INSERT INTO mentions (message_id, user_id, room_id) SELECT $1, unnest($2::text[]), $3`
	insertMessageNotificationsSQL = `INSERT INTO notifications (user_id, message_id, room_id, created_at) SELECT unnest($1::text[]), $2, $3, $4`
)

// appendWithMentions appends a message, its mentions and notifications
// (joins the room with m.Join, and counts a reply on its parent) in one
// transaction.
func (s *Store) appendWithMentions(ctx context.Context, m chat.NewMessage) (chat.Message, error) {
	var out chat.Message
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var seq, change int64
		err := tx.QueryRow(ctx, takeSeq, m.RoomID, m.Author.ID).Scan(&seq, &change)
		switch {
		case isNoRows(err):
			return missingRef(ctx, tx, m)
		case err != nil:
			return fmt.Errorf("next seq: %w", err)
		}
		var clientID *string
		if m.ClientID != "" {
			clientID = &m.ClientID
		}
		var replyTo *int64
		if m.ReplyTo != 0 {
			replyTo = &m.ReplyTo
		}
		var created time.Time
		err = tx.QueryRow(ctx, insertMessageSQL, m.ID, m.RoomID, seq, m.Author.ID, m.Body, clientID, encodeMentions(m.Mentions), change, replyTo, m.AlsoToRoom,
			chat.EncodeAttachments(m.Attachments)).Scan(&created)
		switch {
		case isUnique(err) && m.ClientID != "":
			return errDuplicate
		case err != nil:
			return fmt.Errorf("insert message: %w", err)
		}
		if err := attach(ctx, tx, m); err != nil {
			return err
		}
		if len(m.MentionUserIDs) > 0 {
			if _, err := tx.Exec(ctx, insertMessageMentionsSQL, m.ID, m.MentionUserIDs, m.RoomID); err != nil {
				return fmt.Errorf("insert mentions: %w", err)
			}
		}
		if _, err := tx.Exec(ctx, insertMessageNotificationsSQL,
			slices.Concat(m.MentionUserIDs, m.NotifyUserIDs), m.ID, m.RoomID, created); err != nil {
			return fmt.Errorf("insert notifications: %w", err)
		}
		if err := joinAuthors(ctx, tx, []string{m.RoomID}, []string{m.Author.ID}, []int64{seq}, []bool{m.Join}); err != nil {
			return err
		}
		if m.ReplyTo != 0 {
			if err := countReply(ctx, tx, m.RoomID, m.ReplyTo, created); err != nil {
				return err
			}
		}
		mentions := slices.Clone(m.Mentions)
		if mentions == nil {
			mentions = []string{}
		}
		out = chat.Message{ID: m.ID, RoomID: m.RoomID, Seq: seq, Author: m.Author, Body: m.Body,
			CreatedAt: ts(created), ClientID: m.ClientID, Mentions: mentions, Change: change, Reactions: []chat.Reaction{},
			ReplyTo: m.ReplyTo, AlsoToRoom: m.AlsoToRoom, Attachments: chat.AttachmentsOf(m)}
		return nil
	})
	return out, err
}

func (s *Store) messageByClientID(ctx context.Context, m chat.NewMessage) (chat.Message, bool, error) {
	old, err := scanMessage(s.pool.QueryRow(ctx, `SELECT `+msgCols+` FROM messages m JOIN users u ON u.id = m.author_id
		WHERE m.room_id = $1 AND m.author_id = $2 AND m.client_id = $3`, m.RoomID, m.Author.ID, m.ClientID))
	switch {
	case isNoRows(err):
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
	base := `SELECT ` + msgCols + ` FROM messages m JOIN users u ON u.id = m.author_id WHERE m.room_id = $1`
	var query string
	var args []any
	switch {
	case q.After > 0:
		query, args = base+` AND m.seq > $2 ORDER BY m.seq ASC LIMIT $3`, []any{roomID, q.After, q.Limit}
	case q.Before > 0:
		query, args = base+` AND m.seq < $2 ORDER BY m.seq DESC LIMIT $3`, []any{roomID, q.Before, q.Limit}
	default:
		query, args = base+` ORDER BY m.seq DESC LIMIT $2`, []any{roomID, q.Limit}
	}
	rows, err := s.pool.Query(ctx, query, args...)
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
	rows, err := s.pool.Query(ctx, `SELECT `+msgCols+`, mn.id, r.name
		FROM mentions mn JOIN messages m ON m.id = mn.message_id JOIN users u ON u.id = m.author_id JOIN rooms r ON r.id = mn.room_id
		WHERE mn.user_id = $1 AND ($2::bigint <= 0 OR mn.id < $2::bigint) ORDER BY mn.id DESC LIMIT $3`, userID, before, limit)
	if err != nil {
		return nil, fmt.Errorf("list mentions: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (chat.Mention, error) {
		var mn chat.Mention
		m, err := scanMessage(r, &mn.ID, &mn.Room.Name)
		mn.Message, mn.Room.ID = m, m.RoomID
		return mn, err
	})
	if err != nil {
		return nil, fmt.Errorf("list mentions: %w", err)
	}
	return out, nil
}

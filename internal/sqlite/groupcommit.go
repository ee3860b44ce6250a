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

// Group commit. SQLite admits one writer, and each transaction pays a
// fixed cost (taking the file locks, writing and syncing the WAL frame) that
// dwarfs inserting one row. Appends therefore queue, and one committer
// at a time (the caller that found the queue idle, or the first caller
// queued behind the last commit) takes whatever is queued at that moment
// (never waiting for more: a lone message commits alone, at once) and stores the whole group
// in one write transaction, with statements prepared once per store; its
// last statement indexes the group's new messages for search
// (indexNewMessages).
// Nothing is acknowledged before that transaction commits, and commits
// are synced (synchronous=FULL, see Open), so an acknowledged message
// survives a power cut.
//
// Inside the group each message is handled in queue order exactly as it
// would be alone: its room's seq is taken and its rows are written. An
// unknown room changes nothing and is answered on its own; an unknown
// author fails the insert on its foreign key, so the group is run again
// message by message (below) and only that one fails. A client_id
// stored before (a retry, or a copy earlier in the same group) makes the
// insert fail on the unique index; the group is then rolled back and run
// again looking each client_id up first, so the duplicate is answered with
// the stored message and takes no seq. (Looking up first every time would
// cost every message a query for the rare retry.) Any other error rolls
// the whole group back and each message is then committed alone, so it
// fails only its own sender and seq stays gapless.
//
// The queueing lives in internal/groupcommit; this file is what one group
// does.
const (
	// MaxGroup bounds the messages committed in one transaction.
	MaxGroup = 256
	// GroupTimeout bounds one group transaction.
	GroupTimeout = 10 * time.Second
)

type appendRes struct {
	msg     chat.Message
	created bool
	err     error
}

// stmts are the append statements, prepared once on the writer connection.
type stmts struct {
	byClientID, nextSeq, insert, mention, notify, join *sql.Stmt
	parent, replied, index, attach                     *sql.Stmt
}

func (s *Store) prepare(ctx context.Context) error {
	for _, p := range []struct {
		dst   **sql.Stmt
		query string
	}{
		{&s.st.byClientID, `SELECT ` + msgCols + ` FROM messages m JOIN users u ON u.id = m.author_id
			WHERE m.room_id = ? AND m.author_id = ? AND m.client_id = ?`},
		{&s.st.nextSeq, `UPDATE rooms SET last_seq = last_seq + 1, last_change = last_change + 1 WHERE id = ? RETURNING last_seq, last_change`},
		{&s.st.insert, `INSERT INTO messages (id, room_id, seq, author_id, body, client_id, mentions, created_at, change, reply_to, also_to_room, attachments, first_change)
			VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?9)`},
		{&s.st.attach, `INSERT INTO message_uploads (message_id, upload_id, room_id) VALUES (?, ?, ?)`},
		{&s.st.parent, `SELECT count(*) FROM messages WHERE room_id = ? AND seq = ? AND deleted_at IS NULL AND reply_to IS NULL`},
		{&s.st.replied, `UPDATE messages SET reply_count = reply_count + 1, last_reply_at = ?3,
			change = (SELECT last_change FROM rooms WHERE id = ?1) WHERE room_id = ?1 AND seq = ?2`},
		{&s.st.mention, `INSERT INTO mentions (message_id, user_id, room_id) VALUES (?, ?, ?)`},
		{&s.st.notify, `INSERT INTO notifications (user_id, message_id, room_id, created_at) VALUES (?, ?, ?, ?)`},
		{&s.st.index, indexNewMessages},
		{&s.st.join, `INSERT INTO room_members (room_id, user_id, role, joined_at, last_read_seq) VALUES (?1, ?3, 'member', ?4, ?2)
			ON CONFLICT (room_id, user_id) DO UPDATE SET last_read_seq = max(last_read_seq, excluded.last_read_seq)`},
	} {
		st, err := s.w.PrepareContext(ctx, p.query)
		if err != nil {
			return fmt.Errorf("prepare append statements: %w", err)
		}
		*p.dst = st
	}
	return nil
}

func (st stmts) close() error {
	var errs []error
	for _, s := range []*sql.Stmt{st.byClientID, st.nextSeq, st.insert, st.mention, st.notify, st.join, st.parent, st.replied, st.index} {
		if s != nil {
			errs = append(errs, s.Close())
		}
	}
	return errors.Join(errs...)
}

// commitGroup commits group in one transaction, or, if that fails, each
// message in its own, and answers every caller.
func (s *Store) commitGroup(ctx context.Context, group []chat.NewMessage) []appendRes {
	res, err := s.commit(ctx, group, false)
	if isUnique(err) { // a retry of a stored message: look client_ids up first
		res, err = s.commit(ctx, group, true)
	}
	if err != nil && len(group) > 1 {
		s.fallbacks.Add(1)
		s.log.Debug("group commit fell back to single appends", "size", len(group), "err", err)
		for i, m := range group {
			one, err := s.commit(ctx, []chat.NewMessage{m}, true)
			if err != nil {
				one = []appendRes{{err: err}}
			}
			res[i] = one[0]
		}
		err = nil
	}
	if err != nil {
		for i := range res {
			res[i] = appendRes{err: fmt.Errorf("append message: %w", err)}
		}
	}
	return res
}

// commit stores group in one write transaction, looking each client_id up
// first if lookup is set. It returns one answer per message (duplicates
// and unknown rooms included), or an error if the transaction did not
// commit.
func (s *Store) commit(ctx context.Context, group []chat.NewMessage, lookup bool) ([]appendRes, error) {
	res := make([]appendRes, len(group))
	if err := ctx.Err(); err != nil {
		return res, err
	}
	// The statements run without ctx's cancellation: for a statement whose
	// context can end, the driver starts a watcher goroutine and installs a
	// progress handler, five times per group (BEGIN, seq, insert, COMMIT and
	// database/sql's own), which measured as the main source of scheduler
	// work on the append path. Nothing here can run long: the transaction
	// starts with BEGIN IMMEDIATE, whose wait for another process's lock
	// busy_timeout bounds, and then touches a few index pages per message.
	ctx = context.WithoutCancel(ctx)
	var now int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		// Read the clock holding the write lock, so a later commit (from
		// any process) never carries an earlier time.
		now = max(time.Now().UnixMilli(), s.lastMS) // lastMS: the clock may step back
		nextSeq, insert := tx.StmtContext(ctx, s.st.nextSeq), tx.StmtContext(ctx, s.st.insert)
		var byClientID, mention, notify, join, parent, replied, attach *sql.Stmt // prepared for this tx on first use
		stmt := func(dst **sql.Stmt, st *sql.Stmt) *sql.Stmt {
			if *dst == nil {
				*dst = tx.StmtContext(ctx, st)
			}
			return *dst
		}
		var firstRowID int64 // of the group's first new message; 0: none yet
		for i, m := range group {
			if lookup && m.ClientID != "" {
				old, ok, err := oneByClientID(stmt(&byClientID, s.st.byClientID).QueryRowContext(ctx, m.RoomID, m.Author.ID, m.ClientID))
				if err != nil {
					return err
				}
				if ok {
					res[i] = appendRes{msg: old}
					continue
				}
			}
			if m.ReplyTo != 0 { // the parent is checked before the reply takes a seq
				var n int
				if err := stmt(&parent, s.st.parent).QueryRowContext(ctx, m.RoomID, m.ReplyTo).Scan(&n); err != nil {
					return fmt.Errorf("reply parent: %w", err)
				}
				if n == 0 {
					res[i] = appendRes{err: errBadParent}
					continue
				}
			}
			var seq, change int64
			err := nextSeq.QueryRowContext(ctx, m.RoomID).Scan(&seq, &change)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				res[i] = appendRes{err: chat.MissingRef(false)}
				continue
			case err != nil:
				return fmt.Errorf("next seq: %w", err)
			}
			var clientID any
			if m.ClientID != "" {
				clientID = m.ClientID
			}
			var replyTo any
			if m.ReplyTo != 0 {
				replyTo = m.ReplyTo
			}
			r, err := insert.ExecContext(ctx, m.ID, m.RoomID, seq, m.Author.ID, m.Body, clientID, encodeMentions(m.Mentions), now, change,
				replyTo, m.AlsoToRoom, chat.EncodeAttachments(m.Attachments))
			switch {
			case isForeignKey(err): // the room was just found: the author does not exist; rolls the group back, then fails alone
				return chat.MissingRef(true)
			case err != nil:
				return fmt.Errorf("insert message: %w", err) // isUnique: a known client_id; the caller looks up and retries
			}
			if firstRowID == 0 {
				if firstRowID, err = r.LastInsertId(); err != nil {
					return fmt.Errorf("insert message: %w", err)
				}
			}
			for _, u := range m.Attachments {
				if _, err := stmt(&attach, s.st.attach).ExecContext(ctx, m.ID, u.ID, m.RoomID); err != nil {
					return fmt.Errorf("attach upload: %w", err) // an upload swept meanwhile fails the reference
				}
			}
			if m.ReplyTo != 0 { // the parent's reply count takes the next change
				if err := nextChange(ctx, tx, m.RoomID); err != nil {
					return err
				}
				if _, err := stmt(&replied, s.st.replied).ExecContext(ctx, m.RoomID, m.ReplyTo, now); err != nil {
					return fmt.Errorf("count reply: %w", err)
				}
			}
			for _, uid := range m.MentionUserIDs {
				if _, err := stmt(&mention, s.st.mention).ExecContext(ctx, m.ID, uid, m.RoomID); err != nil {
					return fmt.Errorf("insert mention: %w", err)
				}
			}
			for _, uid := range slices.Concat(m.MentionUserIDs, m.NotifyUserIDs) {
				if _, err := stmt(&notify, s.st.notify).ExecContext(ctx, uid, m.ID, m.RoomID, now); err != nil {
					return fmt.Errorf("insert notification: %w", err)
				}
			}
			if m.Join {
				if _, err := stmt(&join, s.st.join).ExecContext(ctx, m.RoomID, seq, m.Author.ID, now); err != nil {
					return fmt.Errorf("join: %w", err)
				}
			}
			mentions := slices.Clone(m.Mentions)
			if mentions == nil {
				mentions = []string{}
			}
			res[i] = appendRes{created: true, msg: chat.Message{ID: m.ID, RoomID: m.RoomID, Seq: seq, Author: m.Author, Body: m.Body,
				CreatedAt: fromMS(now), ClientID: m.ClientID, Mentions: mentions, Change: change, Reactions: []chat.Reaction{},
				ReplyTo: m.ReplyTo, AlsoToRoom: m.AlsoToRoom, Attachments: chat.AttachmentsOf(m)}}
		}
		if firstRowID != 0 {
			if _, err := tx.StmtContext(ctx, s.st.index).ExecContext(ctx, firstRowID); err != nil {
				return fmt.Errorf("index messages: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	s.lastMS = now
	return res, nil
}

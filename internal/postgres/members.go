package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/open-chat/openchat/internal/chat"
)

// memberCols selects a membership with its user; the query names
// room_members rm and users u.
const memberCols = `rm.room_id, rm.role, rm.joined_at, rm.last_read_seq, u.id, u.username, u.display_name,
	u.deactivated_at IS NOT NULL`

func scanMember(row pgx.Row) (chat.Member, error) {
	var m chat.Member
	var joined time.Time
	if err := row.Scan(&m.RoomID, &m.Role, &joined, &m.LastReadSeq, &m.User.ID, &m.User.Username, &m.User.DisplayName,
		&m.Deactivated); err != nil {
		return chat.Member{}, err
	}
	m.JoinedAt = ts(joined)
	return m, nil
}

func oneMember(row pgx.Row) (chat.Member, error) {
	m, err := scanMember(row)
	switch {
	case isNoRows(err):
		return chat.Member{}, chat.Errorf(chat.ENOTFOUND, "not a member of this room")
	case err != nil:
		return chat.Member{}, fmt.Errorf("member: %w", err)
	}
	return m, nil
}

const oneMemberQuery = `SELECT ` + memberCols + ` FROM room_members rm JOIN users u ON u.id = rm.user_id WHERE rm.room_id = $1 AND rm.user_id = $2`

// Member returns one membership; ENOTFOUND for a non-member.
func (s *Store) Member(ctx context.Context, roomID, userID string) (chat.Member, error) {
	return oneMember(s.pool.QueryRow(ctx, oneMemberQuery, roomID, userID))
}

// AddMember adds userID with role, having read the room up to its newest
// message; added is false for an existing member.
func (s *Store) AddMember(ctx context.Context, roomID, userID string, role chat.Role, now chat.Time) (bool, error) {
	var n int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM rooms WHERE id = $1) AND EXISTS (SELECT 1 FROM users WHERE id = $2)`,
			roomID, userID).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return chat.Errorf(chat.ENOTFOUND, "room or user not found")
		}
		tag, err := tx.Exec(ctx, `INSERT INTO room_members (room_id, user_id, role, joined_at, last_read_seq)
			SELECT id, $1, $2, $3, last_seq FROM rooms WHERE id = $4 ON CONFLICT DO NOTHING`, userID, role, now.Time, roomID)
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return false, wrapMember("add member", err)
	}
	return n == 1, nil
}

// wrapMember wraps unexpected errors and passes domain errors through.
func wrapMember(what string, err error) error {
	var e *chat.Error
	if errors.As(err, &e) {
		return err
	}
	return fmt.Errorf("%s: %w", what, err)
}

// RemoveMember ends a membership, handing an owner's room to the oldest
// moderator, else the oldest member.
func (s *Store) RemoveMember(ctx context.Context, roomID, userID string) (bool, string, error) {
	removed, newOwner := false, ""
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var role chat.Role
		err := tx.QueryRow(ctx, `DELETE FROM room_members WHERE room_id = $1 AND user_id = $2 RETURNING role`, roomID, userID).Scan(&role)
		switch {
		case isNoRows(err):
			return nil
		case err != nil:
			return err
		}
		removed = true
		if role != chat.Owner {
			return nil
		}
		err = tx.QueryRow(ctx, `UPDATE room_members SET role = 'owner' WHERE room_id = $1 AND user_id = (
			SELECT user_id FROM room_members WHERE room_id = $1 ORDER BY role <> 'moderator', joined_at, user_id LIMIT 1)
			RETURNING user_id`, roomID).Scan(&newOwner)
		if isNoRows(err) {
			return nil // the last member left
		}
		return err
	})
	if err != nil {
		return false, "", fmt.Errorf("remove member: %w", err)
	}
	return removed, newOwner, nil
}

// SetRole changes a member's role; a new owner demotes the old one to moderator.
func (s *Store) SetRole(ctx context.Context, roomID, userID string, role chat.Role) (chat.Member, error) {
	var m chat.Member
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		if m, err = oneMember(tx.QueryRow(ctx, oneMemberQuery+` FOR UPDATE OF rm`, roomID, userID)); err != nil {
			return err
		}
		if role == chat.Owner {
			if _, err := tx.Exec(ctx, `UPDATE room_members SET role = 'moderator' WHERE room_id = $1 AND role = 'owner'`, roomID); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `UPDATE room_members SET role = $1 WHERE room_id = $2 AND user_id = $3`, role, roomID, userID)
		m.Role = role
		return err
	})
	if err != nil {
		return chat.Member{}, wrapMember("set role", err)
	}
	return m, nil
}

// Members pages a room's members by join time.
func (s *Store) Members(ctx context.Context, roomID string, after chat.MemberCursor, limit int) ([]chat.Member, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+memberCols+` FROM room_members rm JOIN users u ON u.id = rm.user_id
		WHERE rm.room_id = $1 AND (rm.joined_at, rm.user_id) > ($2, $3) ORDER BY rm.joined_at, rm.user_id LIMIT $4`,
		roomID, after.JoinedAt.Time, after.UserID, limit)
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (chat.Member, error) { return scanMember(r) })
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	return out, nil
}

// MemberIDs returns the room's members' ids, or those among only.
func (s *Store) MemberIDs(ctx context.Context, roomID string, only []string) ([]string, error) {
	query, args := `SELECT user_id FROM room_members WHERE room_id = $1`, []any{roomID}
	if only != nil {
		if len(only) == 0 {
			return []string{}, nil
		}
		query += ` AND user_id = ANY($2)`
		args = append(args, only)
	}
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("member ids: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("member ids: %w", err)
	}
	return out, nil
}

// threadOnlyUnread counts, per membership rm, the replies shown only in
// their thread after rm's read position (migration 0013's partial index).
const threadOnlyUnread = `(SELECT count(*) FROM messages m WHERE m.room_id = rm.room_id AND m.reply_to IS NOT NULL AND NOT m.also_to_room AND m.seq > rm.last_read_seq)`

// MyRooms lists a user's rooms (or the one roomID names) with read state:
// three reads, for the rooms, the unread mentions and the other members of
// direct rooms.
func (s *Store) MyRooms(ctx context.Context, userID, roomID string) ([]chat.MyRoom, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+roomCols+`, rm.role, r.last_seq, rm.last_read_seq, `+threadOnlyUnread+`
		FROM room_members rm JOIN rooms r ON r.id = rm.room_id WHERE rm.user_id = $1 AND ($2 = '' OR rm.room_id = $2)`, userID, roomID)
	if err != nil {
		return nil, fmt.Errorf("my rooms: %w", err)
	}
	var threadOnly []int64
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (chat.MyRoom, error) {
		var m chat.MyRoom
		var n int64
		var err error
		m.Room, err = scanRoom(row, &m.Role, &m.LastSeq, &m.LastReadSeq, &n)
		threadOnly = append(threadOnly, n)
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("my rooms: %w", err)
	}
	mentions := map[string]int64{}
	var id string
	var n int64
	rows, err = s.pool.Query(ctx, `SELECT mn.room_id, count(*) FROM mentions mn
		JOIN room_members rm ON rm.room_id = mn.room_id AND rm.user_id = mn.user_id
		JOIN messages m ON m.id = mn.message_id
		WHERE mn.user_id = $1 AND ($2 = '' OR mn.room_id = $2) AND m.seq > rm.last_read_seq GROUP BY mn.room_id`, userID, roomID)
	if err == nil {
		_, err = pgx.ForEachRow(rows, []any{&id, &n}, func() error { mentions[id] = n; return nil })
	}
	if err != nil {
		return nil, fmt.Errorf("unread mentions: %w", err)
	}
	others := map[string][]chat.UserRef{}
	var u chat.UserRef
	rows, err = s.pool.Query(ctx, `SELECT o.room_id, u.id, u.username, u.display_name
		FROM room_members rm JOIN rooms r ON r.id = rm.room_id AND r.visibility = 'direct'
		JOIN room_members o ON o.room_id = rm.room_id AND o.user_id <> rm.user_id JOIN users u ON u.id = o.user_id
		WHERE rm.user_id = $1 AND ($2 = '' OR rm.room_id = $2) ORDER BY u.username`, userID, roomID)
	if err == nil {
		_, err = pgx.ForEachRow(rows, []any{&id, &u.ID, &u.Username, &u.DisplayName}, func() error {
			others[id] = append(others[id], u)
			return nil
		})
	}
	if err != nil {
		return nil, fmt.Errorf("direct members: %w", err)
	}
	for i := range out {
		chat.FinishReadState(&out[i], threadOnly[i], mentions[out[i].ID], others[out[i].ID])
	}
	return out, nil
}

// MarkRead moves a member's read position forward, up to the room's newest message.
func (s *Store) MarkRead(ctx context.Context, roomID, userID string, seq int64) (int64, bool, error) {
	var pos int64
	err := s.pool.QueryRow(ctx, `UPDATE room_members rm SET last_read_seq = LEAST($1, r.last_seq) FROM rooms r
		WHERE r.id = $2 AND rm.room_id = $2 AND rm.user_id = $3 AND rm.last_read_seq < LEAST($1, r.last_seq)
		RETURNING rm.last_read_seq`, seq, roomID, userID).Scan(&pos)
	if err == nil {
		return pos, true, nil
	}
	if !isNoRows(err) {
		return 0, false, fmt.Errorf("mark read: %w", err)
	}
	m, err := s.Member(ctx, roomID, userID)
	return m.LastReadSeq, false, err
}

// MarkReads moves many read positions forward in one statement.
func (s *Store) MarkReads(ctx context.Context, marks []chat.ReadMark) error {
	if len(marks) == 0 {
		return nil
	}
	rooms, users, seqs := make([]string, len(marks)), make([]string, len(marks)), make([]int64, len(marks))
	for i, m := range marks {
		rooms[i], users[i], seqs[i] = m.RoomID, m.UserID, m.Seq
	}
	if _, err := s.pool.Exec(ctx, `UPDATE room_members rm SET last_read_seq = x.seq
		FROM (SELECT room_id, user_id, max(seq) AS seq FROM unnest($1::text[], $2::text[], $3::bigint[]) AS t(room_id, user_id, seq)
			GROUP BY room_id, user_id) x
		WHERE rm.room_id = x.room_id AND rm.user_id = x.user_id AND rm.last_read_seq < x.seq`, rooms, users, seqs); err != nil {
		return fmt.Errorf("mark reads: %w", err)
	}
	return nil
}

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/open-chat/openchat/internal/chat"
)

// memberCols selects a membership with its user; the query names
// room_members rm and users u.
const memberCols = `rm.room_id, rm.role, rm.joined_at, rm.last_read_seq, u.id, u.username, u.display_name,
	u.deactivated_at IS NOT NULL`

func scanMember(sc scanner) (chat.Member, error) {
	var m chat.Member
	var joined int64
	if err := sc.Scan(&m.RoomID, &m.Role, &joined, &m.LastReadSeq, &m.User.ID, &m.User.Username, &m.User.DisplayName,
		&m.Deactivated); err != nil {
		return chat.Member{}, err
	}
	m.JoinedAt = fromMS(joined)
	return m, nil
}

func oneMember(row *sql.Row) (chat.Member, error) {
	m, err := scanMember(row)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return chat.Member{}, chat.Errorf(chat.ENOTFOUND, "not a member of this room")
	case err != nil:
		return chat.Member{}, fmt.Errorf("member: %w", err)
	}
	return m, nil
}

const oneMemberQuery = `SELECT ` + memberCols + ` FROM room_members rm JOIN users u ON u.id = rm.user_id WHERE rm.room_id = ? AND rm.user_id = ?`

// Member returns one membership; ENOTFOUND for a non-member.
func (s *Store) Member(ctx context.Context, roomID, userID string) (chat.Member, error) {
	return oneMember(s.r.QueryRowContext(ctx, oneMemberQuery, roomID, userID))
}

// AddMember adds userID with role, having read the room up to its newest
// message; added is false for an existing member.
func (s *Store) AddMember(ctx context.Context, roomID, userID string, role chat.Role, now chat.Time) (bool, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM rooms WHERE id = ?) AND EXISTS (SELECT 1 FROM users WHERE id = ?)`,
			roomID, userID).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return chat.Errorf(chat.ENOTFOUND, "room or user not found")
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO room_members (room_id, user_id, role, joined_at, last_read_seq)
			SELECT id, ?, ?, ?, last_seq FROM rooms WHERE id = ? ON CONFLICT DO NOTHING`, userID, role, ms(now.Time), roomID)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
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
	err := s.write(ctx, func(tx *sql.Tx) error {
		var role chat.Role
		err := tx.QueryRowContext(ctx, `DELETE FROM room_members WHERE room_id = ? AND user_id = ? RETURNING role`, roomID, userID).Scan(&role)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return nil
		case err != nil:
			return err
		}
		removed = true
		if role != chat.Owner {
			return nil
		}
		err = tx.QueryRowContext(ctx, `UPDATE room_members SET role = 'owner' WHERE room_id = ? AND user_id = (
			SELECT user_id FROM room_members WHERE room_id = ? ORDER BY role <> 'moderator', joined_at, user_id LIMIT 1)
			RETURNING user_id`, roomID, roomID).Scan(&newOwner)
		if errors.Is(err, sql.ErrNoRows) {
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
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		if m, err = oneMember(tx.QueryRowContext(ctx, oneMemberQuery, roomID, userID)); err != nil {
			return err
		}
		if role == chat.Owner {
			if _, err := tx.ExecContext(ctx, `UPDATE room_members SET role = 'moderator' WHERE room_id = ? AND role = 'owner'`, roomID); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE room_members SET role = ? WHERE room_id = ? AND user_id = ?`, role, roomID, userID)
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
	rows, err := s.r.QueryContext(ctx, `SELECT `+memberCols+` FROM room_members rm JOIN users u ON u.id = rm.user_id
		WHERE rm.room_id = ? AND (rm.joined_at, rm.user_id) > (?, ?) ORDER BY rm.joined_at, rm.user_id LIMIT ?`,
		roomID, ms(after.JoinedAt.Time), after.UserID, limit)
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	out, err := collectRows(rows, scanMember)
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	return out, nil
}

// MemberIDs returns the room's members' ids, or those among only.
func (s *Store) MemberIDs(ctx context.Context, roomID string, only []string) ([]string, error) {
	query, args := `SELECT user_id FROM room_members WHERE room_id = ?`, []any{roomID}
	if only != nil {
		if len(only) == 0 {
			return []string{}, nil
		}
		query += ` AND user_id IN (` + placeholders(len(only)) + `)`
		args = append(args, anys(only)...)
	}
	return s.strings(ctx, "member ids", query, args...)
}

// strings runs a query of one text column on the reader pool.
func (s *Store) strings(ctx context.Context, what, query string, args ...any) ([]string, error) {
	out, err := queryStrings(ctx, s.r, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// queryStrings runs a query of one text column on q (a pool or a transaction).
func queryStrings(ctx context.Context, q interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return collectRows(rows, rowTo[string])
}

// threadOnlyUnread counts, per membership rm, the replies shown only in
// their thread after rm's read position (migration 0013's partial index).
const threadOnlyUnread = `(SELECT count(*) FROM messages m WHERE m.room_id = rm.room_id AND m.reply_to IS NOT NULL AND NOT m.also_to_room AND m.seq > rm.last_read_seq)`

// MyRooms lists a user's rooms (or the one roomID names) with read state:
// three reads, for the rooms, the unread mentions and the other members of
// direct rooms.
func (s *Store) MyRooms(ctx context.Context, userID, roomID string) ([]chat.MyRoom, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+roomCols+`, rm.role, r.last_seq, rm.last_read_seq, `+threadOnlyUnread+`
		FROM room_members rm JOIN rooms r ON r.id = rm.room_id WHERE rm.user_id = ? AND (? = '' OR rm.room_id = ?)`, userID, roomID, roomID)
	if err != nil {
		return nil, fmt.Errorf("my rooms: %w", err)
	}
	var out []chat.MyRoom
	var threadOnly []int64
	err = eachRow(rows, func(sc scanner) error {
		var m chat.MyRoom
		var n int64
		var err error
		m.Room, err = scanRoom(sc, &m.Role, &m.LastSeq, &m.LastReadSeq, &n)
		out, threadOnly = append(out, m), append(threadOnly, n)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("my rooms: %w", err)
	}
	mentions := map[string]int64{}
	rows, err = s.r.QueryContext(ctx, `SELECT mn.room_id, count(*) FROM mentions mn
		JOIN room_members rm ON rm.room_id = mn.room_id AND rm.user_id = mn.user_id
		JOIN messages m ON m.id = mn.message_id
		WHERE mn.user_id = ? AND (? = '' OR mn.room_id = ?) AND m.seq > rm.last_read_seq GROUP BY mn.room_id`, userID, roomID, roomID)
	if err != nil {
		return nil, fmt.Errorf("unread mentions: %w", err)
	}
	if err := eachRow(rows, func(sc scanner) error {
		var id string
		var n int64
		err := sc.Scan(&id, &n)
		mentions[id] = n
		return err
	}); err != nil {
		return nil, fmt.Errorf("unread mentions: %w", err)
	}
	others := map[string][]chat.UserRef{}
	rows, err = s.r.QueryContext(ctx, `SELECT o.room_id, u.id, u.username, u.display_name
		FROM room_members rm JOIN rooms r ON r.id = rm.room_id AND r.visibility = 'direct'
		JOIN room_members o ON o.room_id = rm.room_id AND o.user_id <> rm.user_id JOIN users u ON u.id = o.user_id
		WHERE rm.user_id = ? AND (? = '' OR rm.room_id = ?) ORDER BY u.username`, userID, roomID, roomID)
	if err != nil {
		return nil, fmt.Errorf("direct members: %w", err)
	}
	if err := eachRow(rows, func(sc scanner) error {
		var id string
		var u chat.UserRef
		err := sc.Scan(&id, &u.ID, &u.Username, &u.DisplayName)
		others[id] = append(others[id], u)
		return err
	}); err != nil {
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
	err := s.w.QueryRowContext(ctx, `UPDATE room_members SET last_read_seq = min(?1, r.last_seq) FROM rooms r
		WHERE r.id = ?2 AND room_members.room_id = ?2 AND room_members.user_id = ?3 AND room_members.last_read_seq < min(?1, r.last_seq)
		RETURNING room_members.last_read_seq`, seq, roomID, userID).Scan(&pos)
	if err == nil {
		return pos, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, false, fmt.Errorf("mark read: %w", err)
	}
	m, err := s.Member(ctx, roomID, userID)
	return m.LastReadSeq, false, err
}

// MarkReads moves many read positions forward in one transaction.
func (s *Store) MarkReads(ctx context.Context, marks []chat.ReadMark) error {
	if len(marks) == 0 {
		return nil
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `UPDATE room_members SET last_read_seq = ?3 WHERE room_id = ?1 AND user_id = ?2 AND last_read_seq < ?3`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, m := range marks {
			if _, err := st.ExecContext(ctx, m.RoomID, m.UserID, m.Seq); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("mark reads: %w", err)
	}
	return nil
}

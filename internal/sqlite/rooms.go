package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/open-chat/openchat/internal/chat"
)

const roomCols = `r.id, r.name, r.topic, r.visibility, r.created_by, r.created_at, r.archived_at`

func scanRoom(sc scanner, extra ...any) (chat.Room, error) {
	var r chat.Room
	var created int64
	var archived sql.NullInt64
	if err := sc.Scan(append([]any{&r.ID, &r.Name, &r.Topic, &r.Visibility, &r.CreatedBy, &created, &archived}, extra...)...); err != nil {
		return chat.Room{}, err
	}
	r.CreatedAt, r.ArchivedAt = fromMS(created), optTime(archived)
	return r, nil
}

// CreateRoom stores r with its creator as owner; ECONFLICT if it is public
// and the name is taken case-insensitively.
func (s *Store) CreateRoom(ctx context.Context, r chat.Room) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO rooms (id, name, name_key, name_fold, topic, visibility, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.Name, chat.RoomNameKey(r), chat.FoldName(r.Name), r.Topic, r.Visibility, r.CreatedBy, ms(r.CreatedAt.Time)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO room_members (room_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)`,
			r.ID, r.CreatedBy, chat.Owner, ms(r.CreatedAt.Time))
		return err
	})
	switch {
	case isUnique(err):
		return chat.Errorf(chat.ECONFLICT, "room name is taken")
	case err != nil:
		return fmt.Errorf("create room: %w", err)
	}
	return nil
}

// CreateDirectRoom stores r with memberIDs, or returns the direct room of
// that set of people (adding back whoever had left it). The single writer
// serializes concurrent calls.
func (s *Store) CreateDirectRoom(ctx context.Context, r chat.Room, memberIDs []string) (chat.Room, bool, error) {
	created, joined := false, ms(r.CreatedAt.Time)
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO rooms (id, name, name_key, topic, visibility, direct_key, created_by, created_at)
			VALUES (?, '', ?, '', ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			r.ID, r.ID, chat.Direct, chat.DirectKey(memberIDs), r.CreatedBy, ms(r.CreatedAt.Time))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		created = n == 1
		if r, err = scanRoom(tx.QueryRowContext(ctx, `SELECT `+roomCols+` FROM rooms r WHERE r.direct_key = ?`, chat.DirectKey(memberIDs))); err != nil {
			return err
		}
		for _, id := range memberIDs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO room_members (room_id, user_id, role, joined_at, last_read_seq)
				SELECT id, ?, ?, ?, last_seq FROM rooms WHERE id = ? ON CONFLICT DO NOTHING`, id, chat.MemberRole, joined, r.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return chat.Room{}, false, fmt.Errorf("create direct room: %w", err)
	}
	return r, created, nil
}

// RoomByID returns ENOTFOUND for an unknown id.
func (s *Store) RoomByID(ctx context.Context, id string) (chat.Room, error) {
	r, err := scanRoom(s.r.QueryRowContext(ctx, `SELECT `+roomCols+` FROM rooms r WHERE r.id = ?`, id))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return chat.Room{}, chat.Errorf(chat.ENOTFOUND, "room not found")
	case err != nil:
		return chat.Room{}, fmt.Errorf("room by id: %w", err)
	}
	return r, nil
}

// Rooms lists every public room by name, case-insensitively.
func (s *Store) Rooms(ctx context.Context) ([]chat.Room, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+roomCols+` FROM rooms r WHERE r.visibility = 'public' ORDER BY r.name_key, r.name`)
	if err != nil {
		return nil, fmt.Errorf("list rooms: %w", err)
	}
	return collectRooms(rows)
}

func collectRooms(rows *sql.Rows) ([]chat.Room, error) {
	out, err := collectRows(rows, func(sc scanner) (chat.Room, error) { return scanRoom(sc) })
	if err != nil {
		return nil, fmt.Errorf("list rooms: %w", err)
	}
	return out, nil
}

// UpdateRoom applies p; ECONFLICT if a public room's new name is taken.
func (s *Store) UpdateRoom(ctx context.Context, id string, p chat.RoomPatch) (chat.Room, error) {
	var r chat.Room
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		if r, err = scanRoom(tx.QueryRowContext(ctx, `SELECT `+roomCols+` FROM rooms r WHERE r.id = ?`, id)); err != nil {
			return err
		}
		if p.Name != nil {
			r.Name = *p.Name
		}
		if p.Topic != nil {
			r.Topic = *p.Topic
		}
		_, err = tx.ExecContext(ctx, `UPDATE rooms SET name = ?, name_key = ?, name_fold = ?, topic = ? WHERE id = ?`,
			r.Name, chat.RoomNameKey(r), chat.FoldName(r.Name), r.Topic, id)
		return err
	})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return chat.Room{}, chat.Errorf(chat.ENOTFOUND, "room not found")
	case isUnique(err):
		return chat.Room{}, chat.Errorf(chat.ECONFLICT, "room name is taken")
	case err != nil:
		return chat.Room{}, fmt.Errorf("update room: %w", err)
	}
	return r, nil
}

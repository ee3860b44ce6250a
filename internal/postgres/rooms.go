package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/open-chat/openchat/internal/chat"
)

const roomCols = `r.id, r.name, r.topic, r.visibility, r.created_by, r.created_at, r.archived_at`

func scanRoom(row pgx.Row, extra ...any) (chat.Room, error) {
	var r chat.Room
	var created time.Time
	var archived *time.Time
	if err := row.Scan(append([]any{&r.ID, &r.Name, &r.Topic, &r.Visibility, &r.CreatedBy, &created, &archived}, extra...)...); err != nil {
		return chat.Room{}, err
	}
	r.CreatedAt, r.ArchivedAt = ts(created), optTime(archived)
	return r, nil
}

// CreateRoom stores r with its creator as owner; ECONFLICT if it is public
// and the name is taken case-insensitively.
func (s *Store) CreateRoom(ctx context.Context, r chat.Room) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO rooms (id, name, name_key, name_fold, topic, visibility, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			r.ID, r.Name, chat.RoomNameKey(r), chat.FoldName(r.Name), r.Topic, r.Visibility, r.CreatedBy, r.CreatedAt.Time); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO room_members (room_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4)`,
			r.ID, r.CreatedBy, chat.Owner, r.CreatedAt.Time)
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
// that set of people (adding back whoever had left it). A concurrent
// creation of the same set waits on the direct_key index and then finds
// the other's room.
func (s *Store) CreateDirectRoom(ctx context.Context, r chat.Room, memberIDs []string) (chat.Room, bool, error) {
	created, joined := false, r.CreatedAt.Time
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO rooms (id, name, name_key, topic, visibility, direct_key, created_by, created_at)
			VALUES ($1, '', $1, '', $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
			r.ID, chat.Direct, chat.DirectKey(memberIDs), r.CreatedBy, r.CreatedAt.Time)
		if err != nil {
			return err
		}
		created = tag.RowsAffected() == 1
		if r, err = scanRoom(tx.QueryRow(ctx, `SELECT `+roomCols+` FROM rooms r WHERE r.direct_key = $1`, chat.DirectKey(memberIDs))); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO room_members (room_id, user_id, role, joined_at, last_read_seq)
			SELECT r.id, u, $2, $3, r.last_seq FROM rooms r, unnest($4::text[]) AS u WHERE r.id = $1 ON CONFLICT DO NOTHING`,
			r.ID, chat.MemberRole, joined, memberIDs)
		return err
	})
	if err != nil {
		return chat.Room{}, false, fmt.Errorf("create direct room: %w", err)
	}
	return r, created, nil
}

// RoomByID returns ENOTFOUND for an unknown id.
func (s *Store) RoomByID(ctx context.Context, id string) (chat.Room, error) {
	r, err := scanRoom(s.pool.QueryRow(ctx, `SELECT `+roomCols+` FROM rooms r WHERE r.id = $1`, id))
	switch {
	case isNoRows(err):
		return chat.Room{}, chat.Errorf(chat.ENOTFOUND, "room not found")
	case err != nil:
		return chat.Room{}, fmt.Errorf("room by id: %w", err)
	}
	return r, nil
}

// Rooms lists every public room by name, case-insensitively.
func (s *Store) Rooms(ctx context.Context) ([]chat.Room, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+roomCols+` FROM rooms r WHERE r.visibility = 'public' ORDER BY r.name_key, r.name COLLATE "C"`)
	if err != nil {
		return nil, fmt.Errorf("list rooms: %w", err)
	}
	return collectRooms(rows)
}

func collectRooms(rows pgx.Rows) ([]chat.Room, error) {
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (chat.Room, error) { return scanRoom(r) })
	if err != nil {
		return nil, fmt.Errorf("list rooms: %w", err)
	}
	return out, nil
}

// UpdateRoom applies p; ECONFLICT if a public room's new name is taken.
func (s *Store) UpdateRoom(ctx context.Context, id string, p chat.RoomPatch) (chat.Room, error) {
	var r chat.Room
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		if r, err = scanRoom(tx.QueryRow(ctx, `SELECT `+roomCols+` FROM rooms r WHERE r.id = $1 FOR UPDATE`, id)); err != nil {
			return err
		}
		if p.Name != nil {
			r.Name = *p.Name
		}
		if p.Topic != nil {
			r.Topic = *p.Topic
		}
		_, err = tx.Exec(ctx, `UPDATE rooms SET name = $1, name_key = $2, name_fold = $3, topic = $4 WHERE id = $5`,
			r.Name, chat.RoomNameKey(r), chat.FoldName(r.Name), r.Topic, id)
		return err
	})
	switch {
	case isNoRows(err):
		return chat.Room{}, chat.Errorf(chat.ENOTFOUND, "room not found")
	case isUnique(err):
		return chat.Room{}, chat.Errorf(chat.ECONFLICT, "room name is taken")
	case err != nil:
		return chat.Room{}, fmt.Errorf("update room: %w", err)
	}
	return r, nil
}

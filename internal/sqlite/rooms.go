package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/open-chat/openchat/internal/chat"
)

const roomCols = `id, name, topic, created_by, created_at`

func scanRoom(sc scanner) (chat.Room, error) {
	var r chat.Room
	var created int64
	if err := sc.Scan(&r.ID, &r.Name, &r.Topic, &r.CreatedBy, &created); err != nil {
		return chat.Room{}, err
	}
	r.CreatedAt = fromMS(created)
	return r, nil
}

// CreateRoom stores r; ECONFLICT if the name is taken case-insensitively.
func (s *Store) CreateRoom(ctx context.Context, r chat.Room) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO rooms (id, name, name_key, topic, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		r.ID, r.Name, strings.ToLower(r.Name), r.Topic, r.CreatedBy, ms(r.CreatedAt.Time))
	switch {
	case isUnique(err):
		return chat.Errorf(chat.ECONFLICT, "room name is taken")
	case err != nil:
		return fmt.Errorf("create room: %w", err)
	}
	return nil
}

// RoomByID returns ENOTFOUND for an unknown id.
func (s *Store) RoomByID(ctx context.Context, id string) (chat.Room, error) {
	r, err := scanRoom(s.r.QueryRowContext(ctx, `SELECT `+roomCols+` FROM rooms WHERE id = ?`, id))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return chat.Room{}, chat.Errorf(chat.ENOTFOUND, "room not found")
	case err != nil:
		return chat.Room{}, fmt.Errorf("room by id: %w", err)
	}
	return r, nil
}

// Rooms lists every room by name, case-insensitively.
func (s *Store) Rooms(ctx context.Context) ([]chat.Room, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+roomCols+` FROM rooms ORDER BY name_key, name`)
	if err != nil {
		return nil, fmt.Errorf("list rooms: %w", err)
	}
	defer rows.Close()
	out := []chat.Room{}
	for rows.Next() {
		r, err := scanRoom(rows)
		if err != nil {
			return nil, fmt.Errorf("scan room: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list rooms: %w", err)
	}
	return out, nil
}

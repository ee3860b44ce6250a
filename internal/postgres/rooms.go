package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/open-chat/openchat/internal/chat"
)

const roomCols = `id, name, topic, created_by, created_at`

func scanRoom(row pgx.Row) (chat.Room, error) {
	var r chat.Room
	var created time.Time
	if err := row.Scan(&r.ID, &r.Name, &r.Topic, &r.CreatedBy, &created); err != nil {
		return chat.Room{}, err
	}
	r.CreatedAt = ts(created)
	return r, nil
}

// CreateRoom stores r; ECONFLICT if the name is taken case-insensitively.
func (s *Store) CreateRoom(ctx context.Context, r chat.Room) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO rooms (id, name, name_key, topic, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		r.ID, r.Name, strings.ToLower(r.Name), r.Topic, r.CreatedBy, r.CreatedAt.Time)
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
	r, err := scanRoom(s.pool.QueryRow(ctx, `SELECT `+roomCols+` FROM rooms WHERE id = $1`, id))
	switch {
	case isNoRows(err):
		return chat.Room{}, chat.Errorf(chat.ENOTFOUND, "room not found")
	case err != nil:
		return chat.Room{}, fmt.Errorf("room by id: %w", err)
	}
	return r, nil
}

// Rooms lists every room by name, case-insensitively.
func (s *Store) Rooms(ctx context.Context) ([]chat.Room, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+roomCols+` FROM rooms ORDER BY name_key, name COLLATE "C"`)
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

package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/open-chat/openchat/internal/chat"
)

// migrationStep is the part of a migration that SQL cannot do here, run
// after the version's SQL in its transaction; nil for most versions.
func migrationStep(version int) func(context.Context, *sql.Tx) error {
	switch version {
	case 14:
		return foldRoomNames
	}
	return nil
}

// foldRoomNames fills 0014's name_fold with chat.FoldName, which SQLite's
// ASCII-only lower() cannot compute.
func foldRoomNames(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, name FROM rooms`)
	if err != nil {
		return fmt.Errorf("fold room names: %w", err)
	}
	var ids, names []string
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			_ = rows.Close()
			return fmt.Errorf("fold room names: %w", err)
		}
		ids, names = append(ids, id), append(names, name)
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("fold room names: %w", err)
	}
	for i, id := range ids {
		if _, err := tx.ExecContext(ctx, `UPDATE rooms SET name_fold = ? WHERE id = ?`, chat.FoldName(names[i]), id); err != nil {
			return fmt.Errorf("fold room names: %w", err)
		}
	}
	return nil
}

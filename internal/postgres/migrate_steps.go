package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/open-chat/openchat/internal/chat"
)

// migrationStep is the part of a migration that SQL cannot do here, run
// after the version's SQL in its transaction; nil for most versions.
func migrationStep(version int) func(context.Context, pgx.Tx) error {
	switch version {
	case 14:
		return foldRoomNames
	}
	return nil
}

// foldRoomNames fills 0014's name_fold with chat.FoldName, which
// PostgreSQL's lower() matches only under some locales.
func foldRoomNames(ctx context.Context, tx pgx.Tx) error {
	rows, err := tx.Query(ctx, `SELECT id, name FROM rooms`)
	if err != nil {
		return fmt.Errorf("fold room names: %w", err)
	}
	var ids, folds []string
	var id, name string
	if _, err := pgx.ForEachRow(rows, []any{&id, &name}, func() error {
		ids, folds = append(ids, id), append(folds, chat.FoldName(name))
		return nil
	}); err != nil {
		return fmt.Errorf("fold room names: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE rooms SET name_fold = f.fold FROM unnest($1::text[], $2::text[]) AS f(id, fold) WHERE rooms.id = f.id`,
		ids, folds); err != nil {
		return fmt.Errorf("fold room names: %w", err)
	}
	return nil
}

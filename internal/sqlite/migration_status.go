package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"
	"time"
)

// MigrationState is one migration and whether a database has it.
type MigrationState struct {
	Version   int
	Name      string    // file name; "" for a version this binary does not know (a newer one applied it)
	AppliedAt time.Time // zero: pending
}

// MigrationStatus lists the embedded migrations and, for the database file
// at path, which are applied; it changes nothing (a missing file has every
// migration pending).
func MigrationStatus(ctx context.Context, path string) ([]MigrationState, error) {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	byVersion := map[int]*MigrationState{}
	for _, name := range names {
		v, err := migrationVersion(name)
		if err != nil {
			return nil, err
		}
		byVersion[v] = &MigrationState{Version: v, Name: strings.TrimPrefix(name, "migrations/")}
	}
	if _, err := os.Stat(path); err == nil {
		if err := readApplied(ctx, path, byVersion); err != nil {
			return nil, err
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	out := make([]MigrationState, 0, len(byVersion))
	for _, m := range byVersion {
		out = append(out, *m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

func readApplied(ctx context.Context, path string, byVersion map[int]*MigrationState) error {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&n); err != nil || n == 0 {
		return err
	}
	rows, err := db.QueryContext(ctx, `SELECT version, applied_at FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var v int
		var at int64
		if err := rows.Scan(&v, &at); err != nil {
			return err
		}
		m := byVersion[v]
		if m == nil {
			m = &MigrationState{Version: v}
			byVersion[v] = m
		}
		m.AppliedAt = time.UnixMilli(at).UTC()
	}
	return rows.Err()
}

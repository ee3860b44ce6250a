package postgres

import (
	"context"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// MigrationState is one migration and whether a database has it.
type MigrationState struct {
	Version   int
	Name      string    // file name; "" for a version this binary does not know (a newer one applied it)
	AppliedAt time.Time // zero: pending
}

// MigrationStatus lists the embedded migrations and, for the database at
// url, which are applied; it changes nothing.
func MigrationStatus(ctx context.Context, url string) ([]MigrationState, error) {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	byVersion := map[int]*MigrationState{}
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number: %w", name, err)
		}
		byVersion[v] = &MigrationState{Version: v, Name: base}
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	defer pool.Close()
	var exists bool
	if err := pool.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	if exists {
		rows, err := pool.Query(ctx, `SELECT version, applied_at FROM schema_migrations`)
		if err != nil {
			return nil, fmt.Errorf("read schema_migrations: %w", err)
		}
		for rows.Next() {
			var v int64
			var at time.Time
			if err := rows.Scan(&v, &at); err != nil {
				rows.Close()
				return nil, err
			}
			m := byVersion[int(v)]
			if m == nil {
				m = &MigrationState{Version: int(v)}
				byVersion[int(v)] = m
			}
			m.AppliedAt = at.UTC()
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	out := make([]MigrationState, 0, len(byVersion))
	for _, m := range byVersion {
		out = append(out, *m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

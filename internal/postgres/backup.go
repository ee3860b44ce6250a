package postgres

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Backup writes the database at dbURL to file (which must not exist) with
// pg_dump in its custom format: one consistent snapshot (a repeatable-read
// transaction), taken while the servers keep writing. pg_dump must be on
// PATH and at least as new as the server.
func Backup(ctx context.Context, dbURL, file string) error {
	if _, err := os.Stat(file); err == nil {
		return fmt.Errorf("backup: %s already exists", file)
	}
	tmp := file + ".partial"
	_ = os.Remove(tmp)
	if err := runTool(ctx, "pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", tmp, "--dbname", libpqURL(dbURL)); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(tmp, file); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// Restore loads a Backup file into the database at dbURL, which must hold
// no tables, with pg_restore in one transaction: it is all there or not at
// all.
func Restore(ctx context.Context, dbURL, file string) error {
	if _, err := os.Stat(file); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := requireEmpty(ctx, dbURL); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := runTool(ctx, "pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
		"--dbname", libpqURL(dbURL), file); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	return nil
}

// requireEmpty fails unless the database at dbURL has no tables of its own.
func requireEmpty(ctx context.Context, dbURL string) error {
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		return fmt.Errorf("connect to postgres: %w", err)
	}
	defer pool.Close()
	rows, err := pool.Query(ctx, `SELECT table_schema || '.' || table_name FROM information_schema.tables
		WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`)
	if err != nil {
		return fmt.Errorf("list tables: %w", err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	if len(tables) > 0 {
		return fmt.Errorf("the target database is not empty (%d tables: %s); restore into a new database", len(tables), strings.Join(tables[:min(5, len(tables))], ", "))
	}
	return nil
}

func runTool(ctx context.Context, name string, args ...string) error {
	path, err := exec.LookPath(name)
	if err != nil {
		return fmt.Errorf("%s is not on PATH (install the PostgreSQL client tools, as new as the server): %w", name, err)
	}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// libpqURL drops the pgx pool settings (pool_max_conns, …) that libpq's
// tools refuse.
func libpqURL(dbURL string) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		return dbURL
	}
	q := u.Query()
	for k := range q {
		if strings.HasPrefix(k, "pool_") {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

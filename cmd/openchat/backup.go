package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/open-chat/openchat/internal/postgres"
	"github.com/open-chat/openchat/internal/sqlite"
)

// backupCommand runs `openchat backup FILE` against the configured
// database while servers keep running.
func backupCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c, err := maintenanceConfig("backup", args, getenv, stderr, 1)
	if err != nil {
		return err
	}
	file := args[len(args)-1]
	if c.DatabaseURL != "" {
		err = postgres.Backup(ctx, c.DatabaseURL, file)
	} else {
		err = sqlite.Backup(ctx, c.sqlitePath(), file)
	}
	if err != nil {
		return err
	}
	fi, err := os.Stat(file)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup of %s written to %s (%d bytes)\n", c.describeDatabase(), file, fi.Size())
	return nil
}

// restoreCommand runs `openchat restore FILE` into an empty data dir
// (SQLite) or an empty database (PostgreSQL).
func restoreCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c, err := maintenanceConfig("restore", args, getenv, stderr, 1)
	if err != nil {
		return err
	}
	file := args[len(args)-1]
	if c.DatabaseURL != "" {
		if err := postgres.Restore(ctx, c.DatabaseURL, file); err != nil {
			return err
		}
	} else {
		if err := requireEmptyDir(c.DataDir); err != nil {
			return err
		}
		if err := os.MkdirAll(c.DataDir, 0o750); err != nil {
			return fmt.Errorf("data dir: %w", err)
		}
		if err := sqlite.Restore(ctx, file, c.sqlitePath()); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "%s restored into %s\n", file, c.describeDatabase())
	return nil
}

// requireEmptyDir fails if dir exists and holds anything: a restore never
// mixes a backup with the files of another installation.
func requireEmptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	if len(entries) > 0 {
		return fmt.Errorf("data dir %s is not empty (it holds %s, …): restore into an empty or new directory", dir, entries[0].Name())
	}
	return nil
}

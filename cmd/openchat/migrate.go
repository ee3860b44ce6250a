package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/open-chat/openchat/internal/postgres"
	"github.com/open-chat/openchat/internal/sqlite"
)

// migrateCommand runs `openchat migrate [status|up]`. Migrations are the
// numbered SQL files embedded in internal/sqlite and internal/postgres;
// each is applied once, in its own transaction, and never undone.
// (goose or the like would add down migrations; not adopted while several
// branches add migrations at once.)
func migrateCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	sub := "up"
	if len(args) > 0 && (args[0] == "status" || args[0] == "up") {
		sub, args = args[0], args[1:]
	}
	c, err := maintenanceConfig("migrate", args, getenv, stderr, 0)
	if err != nil {
		return err
	}
	if sub == "up" {
		log := newLogger(c, stderr)
		st, err := openStore(ctx, c, postgres.Open, log)
		if err != nil {
			return err
		}
		if err := st.Close(); err != nil {
			return err
		}
		log.InfoContext(ctx, "migrations applied", "database", c.describeDatabase())
	}
	return printMigrations(ctx, c, stdout)
}

// printMigrations writes one line per migration: applied (when) or pending.
func printMigrations(ctx context.Context, c config, w io.Writer) error {
	type state struct {
		name    string
		version int
		at      time.Time
	}
	var states []state
	if c.DatabaseURL != "" {
		ms, err := postgres.MigrationStatus(ctx, c.DatabaseURL)
		if err != nil {
			return err
		}
		for _, m := range ms {
			states = append(states, state{m.Name, m.Version, m.AppliedAt})
		}
	} else {
		ms, err := sqlite.MigrationStatus(ctx, c.sqlitePath())
		if err != nil {
			return err
		}
		for _, m := range ms {
			states = append(states, state{m.Name, m.Version, m.AppliedAt})
		}
	}
	fmt.Fprintf(w, "database: %s\n", c.describeDatabase())
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	pending := 0
	for _, s := range states {
		name, status := s.name, "pending"
		if name == "" {
			name = fmt.Sprintf("%04d (unknown to this binary: a newer openchat applied it)", s.version)
		}
		if !s.at.IsZero() {
			status = "applied " + s.at.Format(time.RFC3339)
		} else {
			pending++
		}
		fmt.Fprintf(tw, "%s\t%s\n", name, status)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "%d applied, %d pending\n", len(states)-pending, pending)
	return nil
}

// maintenanceConfig parses the flags of a command that works on the
// database (migrate, backup, restore) and wants nargs positional arguments.
func maintenanceConfig(name string, args []string, getenv func(string) string, stderr io.Writer, nargs int) (config, error) {
	var c config
	fs, err := parseFlags(name, &c, args, getenv, stderr, nil)
	if err != nil {
		return c, err
	}
	if fs.NArg() != nargs {
		fs.Usage()
		return c, fmt.Errorf("%s: want %d argument(s), got %q", name, nargs, fs.Args())
	}
	return c, c.fromFlags(fs)
}

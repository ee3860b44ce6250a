package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/open-chat/openchat/internal/postgres"
	"github.com/open-chat/openchat/internal/sqlite"
	"github.com/open-chat/openchat/internal/transfer"
)

// copyCommand runs `openchat copy --to postgres://…`: the SQLite database
// of --data-dir (or --from FILE) into an empty PostgreSQL database.
func copyCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var c config
	var to, from string
	fs, err := parseFlags("copy", &c, args, getenv, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&to, "to", "", "postgres://… URL of the empty database to copy into")
		fs.StringVar(&from, "from", "", "SQLite database file to copy (default: <data-dir>/openchat.db)")
	})
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("copy: unexpected arguments %q", fs.Args())
	}
	if err := c.fromFlags(fs); err != nil {
		return err
	}
	if !isPostgresURL(to) {
		return fmt.Errorf("copy: --to must be a postgres://… URL, got %q", to)
	}
	if from == "" {
		from = c.sqlitePath()
	}
	if _, err := os.Stat(from); err != nil {
		return fmt.Errorf("copy: source: %w", err)
	}
	log := newLogger(c, stderr)

	// Both to this binary's schema first, so their tables match.
	sst, err := sqlite.Open(ctx, from, log)
	if err != nil {
		return fmt.Errorf("copy: source: %w", err)
	}
	if err := sst.Close(); err != nil {
		return err
	}
	pst, err := postgres.Open(ctx, to, log)
	if err != nil {
		return fmt.Errorf("copy: target: %w", err)
	}
	if err := pst.Close(); err != nil {
		return err
	}

	src, err := sql.Open("sqlite", "file:"+from+"?_pragma=busy_timeout(5000)")
	if err != nil {
		return fmt.Errorf("copy: source: %w", err)
	}
	defer src.Close()
	dst, err := pgxpool.New(ctx, to)
	if err != nil {
		return fmt.Errorf("copy: target: %w", err)
	}
	defer dst.Close()
	counts, err := transfer.Copy(ctx, src, dst, log)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "copied %s to postgres %s\n", from, redactURL(to))
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	for _, n := range counts {
		fmt.Fprintf(tw, "%s\t%d rows\t\n", n.Table, n.Rows)
	}
	return tw.Flush()
}

// Package transfer moves an OpenChat installation from its embedded SQLite
// database to PostgreSQL (`openchat copy`). Both databases must be migrated
// to the same schema version first; the copy is driven by Tables, a list
// that names every table of that schema: a table the list does not name,
// in either database, stops the copy before anything is written, so a
// migration that adds a table cannot be silently left behind.
package transfer

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Tables are copied in this order, each after every table it references
// (a migration that adds a table adds it here, after its references).
// schema_migrations is not in the list: the target's own migrations fill
// it, and Copy checks that both databases have applied the same ones.
var Tables = []string{
	"users",
	"sessions",
	"rooms",
	"room_members",
	"messages",
	"uploads",
	"message_uploads",
	"reactions",
	"mentions",
	"mail_batches",
	"notifications",
	"password_resets",
	"audit_log",
	"reports",
}

// EngineState are tables of an engine's own bookkeeping, not copied: the
// client-id cleanup's place (cleanup_marks) is a rowid in SQLite and a
// (created_at, id) in PostgreSQL, so the target's cleanup starts its walk
// over, from the first message, once.
var EngineState = []string{"cleanup_marks"}

// Source is the SQLite database (a *sql.DB).
type Source interface {
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

// Target is the PostgreSQL database (a *pgxpool.Pool or *pgx.Conn).
type Target interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

// Count is the number of rows copied into one table.
type Count struct {
	Table string
	Rows  int64
}

// Copy copies every row of every table in Tables from src to dst in one
// PostgreSQL transaction, then compares the row count of each table in
// both and commits only if they match. It refuses a target with any row in
// those tables. Serial columns (mentions.id, notifications.id) continue
// after the highest id SQLite ever handed out. src is read in one
// transaction, so the copy is consistent even if something writes to it;
// stop the servers first anyway, or their later writes are not copied.
func Copy(ctx context.Context, src Source, dst Target, log *slog.Logger) ([]Count, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	stx, err := src.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("copy: read source: %w", err)
	}
	defer stx.Rollback()
	dtx, err := dst.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("copy: begin target: %w", err)
	}
	defer dtx.Rollback(ctx)
	if err := check(ctx, stx, dtx); err != nil {
		return nil, fmt.Errorf("copy: %w", err)
	}
	var counts []Count
	for _, table := range Tables {
		start := time.Now()
		n, err := copyTable(ctx, stx, dtx, table)
		if err != nil {
			return nil, fmt.Errorf("copy %s: %w", table, err)
		}
		if err := verifyCount(ctx, stx, dtx, table, n); err != nil {
			return nil, fmt.Errorf("copy %s: %w", table, err)
		}
		if err := resetSerials(ctx, stx, dtx, table); err != nil {
			return nil, fmt.Errorf("copy %s: %w", table, err)
		}
		log.InfoContext(ctx, "table copied", "table", table, "rows", n, "duration_ms", float64(time.Since(start).Microseconds())/1000)
		counts = append(counts, Count{Table: table, Rows: n})
	}
	if err := dtx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("copy: commit: %w", err)
	}
	return counts, nil
}

// Check reports, without writing, whether src and dst can be copied: the
// same tables (all of them in Tables), the same applied migrations, and an
// empty target.
func Check(ctx context.Context, src Source, dst Target) error {
	stx, err := src.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("read source: %w", err)
	}
	defer stx.Rollback()
	dtx, err := dst.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin target: %w", err)
	}
	defer dtx.Rollback(ctx)
	return check(ctx, stx, dtx)
}

func check(ctx context.Context, stx *sql.Tx, dtx pgx.Tx) error {
	// Virtual tables (the FTS5 search index) and their shadow tables are
	// derived from messages: the target builds its own index.
	st, err := sqliteStrings(ctx, stx, `SELECT name FROM sqlite_master t WHERE type = 'table'
		AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'
		AND NOT EXISTS (SELECT 1 FROM sqlite_master v WHERE v.type = 'table' AND v.sql LIKE 'CREATE VIRTUAL TABLE%'
			AND substr(t.name, 1, length(v.name) + 1) = v.name || '_')
		ORDER BY name`)
	if err != nil {
		return fmt.Errorf("list source tables: %w", err)
	}
	dt, err := pgStrings(ctx, dtx, `SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()
		AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations' ORDER BY 1`)
	if err != nil {
		return fmt.Errorf("list target tables: %w", err)
	}
	if err := coveredBy(st, "the SQLite database"); err != nil {
		return err
	}
	if err := coveredBy(dt, "the PostgreSQL database"); err != nil {
		return err
	}
	sv, err := sqliteStrings(ctx, stx, `SELECT CAST(version AS TEXT) FROM schema_migrations ORDER BY version`)
	if err != nil {
		return fmt.Errorf("source migrations: %w", err)
	}
	dv, err := pgStrings(ctx, dtx, `SELECT version::text FROM schema_migrations ORDER BY schema_migrations.version`)
	if err != nil {
		return fmt.Errorf("target migrations: %w", err)
	}
	if !slices.Equal(sv, dv) {
		return fmt.Errorf("the databases are at different schema versions (SQLite has migrations %v, PostgreSQL %v): migrate both with the same openchat first", sv, dv)
	}
	for _, table := range Tables {
		var n int64
		if err := dtx.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{table}.Sanitize()).Scan(&n); err != nil {
			return fmt.Errorf("count %s in target: %w", table, err)
		}
		if n > 0 {
			return fmt.Errorf("the target database is not empty (%s has %d rows); copy into a new database", table, n)
		}
	}
	return nil
}

// coveredBy fails unless tables (of one database) are exactly Tables.
func coveredBy(tables []string, where string) error {
	var errs []error
	for _, t := range tables {
		if !slices.Contains(Tables, t) && !slices.Contains(EngineState, t) {
			errs = append(errs, fmt.Errorf("table %s of %s is not in transfer.Tables: add it there (after the tables it references) so it is copied", t, where))
		}
	}
	for _, t := range Tables {
		if !slices.Contains(tables, t) {
			errs = append(errs, fmt.Errorf("table %s of transfer.Tables is missing from %s", t, where))
		}
	}
	return errors.Join(errs...)
}

// column is a target column and its PostgreSQL type.
type column struct{ name, pgType string }

// copyTable streams one table with COPY FROM, converting each value to the
// target column's type.
func copyTable(ctx context.Context, stx *sql.Tx, dtx pgx.Tx, table string) (int64, error) {
	cols, err := columns(ctx, stx, dtx, table)
	if err != nil {
		return 0, err
	}
	names := make([]string, len(cols))
	quoted := make([]string, len(cols))
	for i, c := range cols {
		names[i], quoted[i] = c.name, `"`+c.name+`"`
	}
	rows, err := stx.QueryContext(ctx, `SELECT `+strings.Join(quoted, ", ")+` FROM "`+table+`"`)
	if err != nil {
		return 0, fmt.Errorf("read: %w", err)
	}
	defer rows.Close()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var convErr error
	n, err := dtx.CopyFrom(ctx, pgx.Identifier{table}, names, pgx.CopyFromFunc(func() ([]any, error) {
		if !rows.Next() {
			return nil, rows.Err()
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out := make([]any, len(cols))
		for i, c := range cols {
			v, err := convert(vals[i], c.pgType)
			if err != nil {
				convErr = fmt.Errorf("column %s: %w", c.name, err)
				return nil, convErr
			}
			out[i] = v
		}
		return out, nil
	}))
	if convErr != nil {
		return 0, convErr
	}
	if err != nil {
		return 0, fmt.Errorf("write: %w", err)
	}
	return n, nil
}

// columns returns the target's columns of table, after checking that the
// source has exactly the same column names. Generated columns (the search
// vector of messages) are the target's own: PostgreSQL computes them.
func columns(ctx context.Context, stx *sql.Tx, dtx pgx.Tx, table string) ([]column, error) {
	sc, err := sqliteStrings(ctx, stx, `SELECT name FROM pragma_table_info(?) ORDER BY name`, table)
	if err != nil {
		return nil, fmt.Errorf("source columns: %w", err)
	}
	rows, err := dtx.Query(ctx, `SELECT column_name::text, data_type::text FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1 AND is_generated = 'NEVER' ORDER BY column_name`, table)
	if err != nil {
		return nil, fmt.Errorf("target columns: %w", err)
	}
	cols, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (column, error) {
		var c column
		return c, r.Scan(&c.name, &c.pgType)
	})
	if err != nil {
		return nil, fmt.Errorf("target columns: %w", err)
	}
	var dc []string
	for _, c := range cols {
		dc = append(dc, c.name)
	}
	if !slices.Equal(sc, dc) {
		return nil, fmt.Errorf("columns differ: SQLite has %v, PostgreSQL %v", sc, dc)
	}
	return cols, nil
}

// convert maps a SQLite value to the PostgreSQL column type. SQLite keeps
// times as INTEGER Unix milliseconds and booleans as 0/1.
func convert(v any, pgType string) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch pgType {
	case "timestamp with time zone":
		if ms, ok := v.(int64); ok {
			return time.UnixMilli(ms).UTC(), nil
		}
	case "boolean":
		if i, ok := v.(int64); ok {
			return i != 0, nil
		}
	case "bigint", "integer", "smallint":
		if i, ok := v.(int64); ok {
			return i, nil
		}
	case "double precision", "real":
		switch f := v.(type) {
		case float64:
			return f, nil
		case int64:
			return float64(f), nil
		}
	case "text", "character varying", "json", "jsonb":
		switch s := v.(type) {
		case string:
			return s, nil
		case []byte:
			return string(s), nil
		}
	case "bytea":
		switch b := v.(type) {
		case []byte:
			return b, nil
		case string:
			return []byte(b), nil
		}
	default:
		return nil, fmt.Errorf("type %s is not handled by transfer.convert: add it", pgType)
	}
	return nil, fmt.Errorf("cannot store a %T (%v) in a %s column", v, v, pgType)
}

// verifyCount compares the row counts of table in both databases.
func verifyCount(ctx context.Context, stx *sql.Tx, dtx pgx.Tx, table string, copied int64) error {
	var s, d int64
	if err := stx.QueryRowContext(ctx, `SELECT count(*) FROM "`+table+`"`).Scan(&s); err != nil {
		return fmt.Errorf("count source: %w", err)
	}
	if err := dtx.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{table}.Sanitize()).Scan(&d); err != nil {
		return fmt.Errorf("count target: %w", err)
	}
	if s != d || d != copied {
		return fmt.Errorf("row counts differ: SQLite %d, copied %d, PostgreSQL %d", s, copied, d)
	}
	return nil
}

// resetSerials moves each serial column's sequence past the highest id
// SQLite used (its AUTOINCREMENT counter included, which never reuses an
// id even after deletes), so new rows keep ascending ids: mention and
// notification ids are listing cursors.
func resetSerials(ctx context.Context, stx *sql.Tx, dtx pgx.Tx, table string) error {
	rows, err := dtx.Query(ctx, `SELECT column_name::text, pg_get_serial_sequence($1, column_name)
		FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1
		AND pg_get_serial_sequence($1, column_name) IS NOT NULL`, table)
	if err != nil {
		return fmt.Errorf("serial columns: %w", err)
	}
	type serial struct{ col, seq string }
	serials, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (serial, error) {
		var s serial
		return s, r.Scan(&s.col, &s.seq)
	})
	if err != nil {
		return fmt.Errorf("serial columns: %w", err)
	}
	for _, s := range serials {
		var last int64
		q := `SELECT max(coalesce((SELECT max("` + s.col + `") FROM "` + table + `"), 0),
			coalesce((SELECT seq FROM sqlite_sequence WHERE name = ?), 0))`
		if err := stx.QueryRowContext(ctx, q, table).Scan(&last); err != nil {
			return fmt.Errorf("highest %s: %w", s.col, err)
		}
		if _, err := dtx.Exec(ctx, `SELECT setval($1::regclass, $2, false)`, s.seq, last+1); err != nil {
			return fmt.Errorf("setval %s: %w", s.seq, err)
		}
	}
	return nil
}

func sqliteStrings(ctx context.Context, tx *sql.Tx, q string, args ...any) ([]string, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func pgStrings(ctx context.Context, tx pgx.Tx, q string) ([]string, error) {
	rows, err := tx.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

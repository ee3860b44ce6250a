// Package sqlite is the embedded chat.Store: one SQLite file in WAL mode.
// Writes go through a single connection (SQLite admits one writer at a
// time, so they queue in Go instead of spinning on SQLITE_BUSY) and start
// with BEGIN IMMEDIATE; message appends share transactions (group commit,
// groupcommit.go). Reads use a small pool that WAL lets run while the
// writer writes.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/groupcommit"
)

// Limits of the connection pools.
const (
	// BusyTimeout is how long a connection waits for a lock another process
	// holds (a second openchat on the same file, a backup) before failing.
	BusyTimeout = 5 * time.Second
	// ReadConns bounds the reader pool; WAL readers never block the writer.
	ReadConns = 4
	// WALAutoCheckpoint is the WAL size, in pages (4 KiB), past which a
	// commit copies the WAL back into the database file. SQLite's default
	// (1,000) checkpoints every few groups under heavy ingest, rewriting
	// the same hot index pages each time; 8,192 (32 MiB) measured about
	// 10 % more messages per second with 100 busy rooms.
	WALAutoCheckpoint = 8192
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is a chat.Store on SQLite.
type Store struct {
	w   *sql.DB // exactly one connection: the writer
	r   *sql.DB // read-only pool
	log *slog.Logger

	st        stmts                                              // append statements, prepared on w
	appends   *groupcommit.Committer[chat.NewMessage, appendRes] // the one committer: SQLite has one writer
	lastMS    int64                                              // created_at of the last committed group; the committer's own
	fallbacks atomic.Int64                                       // groups that failed and were appended one by one (tests)
	wOpened   atomic.Int64                                       // connections w opened (PoolStats)
	rOpened   atomic.Int64                                       // and r
}

var _ chat.Store = (*Store)(nil)

// Open opens (creating if needed) the database file at path and applies the
// migrations it lacks. synchronous=FULL syncs the WAL at every commit, so a
// message is durable before AppendMessage acknowledges it; group commit
// pays that sync once per group, not once per message.
func Open(ctx context.Context, path string, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Store{log: log}
	pragmas := fmt.Sprintf("_pragma=busy_timeout(%d)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)&_pragma=wal_autocheckpoint(%d)",
		BusyTimeout.Milliseconds(), WALAutoCheckpoint)
	w, err := openPool("file:"+path+"?"+pragmas+"&_txlock=immediate", &s.wOpened)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	s.w = w
	if err := s.migrate(ctx); err != nil {
		w.Close()
		return nil, err
	}
	if err := s.prepare(ctx); err != nil {
		s.st.close()
		w.Close()
		return nil, err
	}
	r, err := openPool("file:"+path+"?"+pragmas+"&_pragma=query_only(1)", &s.rOpened)
	if err != nil {
		s.st.close()
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	r.SetMaxOpenConns(ReadConns)
	r.SetMaxIdleConns(ReadConns)
	s.r = r
	s.appends = groupcommit.New(groupcommit.Options{MaxGroup: MaxGroup, Timeout: GroupTimeout}, nil, s.commitGroup)
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Ping reports whether both pools answer.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.w.PingContext(ctx); err != nil {
		return fmt.Errorf("ping sqlite writer: %w", err)
	}
	if err := s.r.PingContext(ctx); err != nil {
		return fmt.Errorf("ping sqlite reader: %w", err)
	}
	return nil
}

// Close stops the group committer (appends already queued are committed
// first) and closes both pools.
func (s *Store) Close() error {
	if s.appends != nil {
		s.appends.Close()
	}
	var errR error
	if s.r != nil {
		errR = s.r.Close()
	}
	return errors.Join(s.st.close(), s.w.Close(), errR)
}

// migrate applies each embedded migration not yet recorded, each in its own
// immediate transaction, so two processes opening one file apply it once.
func (s *Store) migrate(ctx context.Context) error { return s.migrateTo(ctx, 0) }

// migrateTo applies the migrations up to version upTo (all when 0); tests
// of a migration start from the schema before it.
func (s *Store) migrateTo(ctx context.Context, upTo int) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("list migrations: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		version, err := migrationVersion(name)
		if err != nil {
			return err
		}
		if upTo > 0 && version > upTo {
			break
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return fmt.Errorf("read migration %s: %w", name, err)
		}
		err = s.writeRetryBusy(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
				version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil || n > 0 {
				return err
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			if step := migrationStep(version); step != nil {
				if err := step(ctx, tx); err != nil {
					return err
				}
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, version, time.Now().UnixMilli())
			if err == nil {
				s.log.InfoContext(ctx, "applied migration", "store", "sqlite", "migration", name)
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
	}
	return nil
}

// migrationVersion reads the number before the first '_' of a file name.
func migrationVersion(name string) (int, error) {
	base := strings.TrimPrefix(name, "migrations/")
	v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
	if err != nil {
		return 0, fmt.Errorf("migration %s: name must start with a number: %w", name, err)
	}
	return v, nil
}

// write runs fn in a write transaction (BEGIN IMMEDIATE on the one writer
// connection) and commits it when fn returns nil.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// writeRetryBusy is write that tries again while the file is busy. Several
// processes opening a new file at once race to switch it to WAL, and a
// BEGIN IMMEDIATE in that window fails with SQLITE_BUSY without waiting for
// busy_timeout; only startup (the migrations) meets it.
func (s *Store) writeRetryBusy(ctx context.Context, fn func(tx *sql.Tx) error) error {
	for deadline := time.Now().Add(BusyTimeout); ; {
		err := s.write(ctx, fn)
		if !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// The error classifiers use errors.AsType, not errors.As: As's target
// escapes, an allocation on every call, and most calls get a nil err.

// isBusy reports whether err is SQLITE_BUSY (any extended code).
func isBusy(err error) bool {
	e, ok := errors.AsType[*msqlite.Error](err)
	return ok && e.Code()&0xff == sqlite3.SQLITE_BUSY
}

// isUnique reports whether err is a UNIQUE or PRIMARY KEY violation.
func isUnique(err error) bool {
	e, ok := errors.AsType[*msqlite.Error](err)
	return ok && (e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}

func isForeignKey(err error) bool {
	e, ok := errors.AsType[*msqlite.Error](err)
	return ok && e.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

// ms and fromMS convert between time.Time and stored Unix milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) chat.Time { return chat.NewTime(time.UnixMilli(v)) }

// placeholders returns "?, ?, …" for n arguments.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

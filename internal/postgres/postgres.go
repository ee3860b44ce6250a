// Package postgres is the chat.Store on PostgreSQL (pgx), for running many
// instances against one database. Per-room seq allocation locks the room
// row, so seq stays gapless across instances; the outbox uses
// FOR UPDATE SKIP LOCKED so workers on every instance share it.
package postgres

import (
	"context"
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

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/groupcommit"
)

// migrationLockKey is the advisory lock that serializes migrations of
// instances starting together ("openchat" in ASCII).
const migrationLockKey int64 = 0x6f70656e63686174

// lifetimeJitterDivisor: when the URL sets pool_max_conn_lifetime but not
// pool_max_conn_lifetime_jitter, a connection is replaced at a random time
// up to a sixth of its lifetime after it (10 minutes after an hour).
const lifetimeJitterDivisor = 6

//go:embed migrations/*.sql
var migrations embed.FS

// Store is a chat.Store on PostgreSQL.
type Store struct {
	pool *pgxpool.Pool
	log  *slog.Logger

	appends   *groupcommit.Committer[chat.NewMessage, appendRes] // up to Committers groups at once, a room in one at a time
	fallbacks atomic.Int64                                       // groups that failed and were appended one by one (tests)
}

var _ chat.Store = (*Store)(nil)

// Open connects to url (a postgres:// URL; pool settings such as
// pool_max_conns may ride in it, else the pool holds up to PoolConns) and
// applies the migrations it lacks: the store of a command or a test. A
// server's is OpenServer's.
func Open(ctx context.Context, url string, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	if !setsParam(url, "pool_max_conns") {
		cfg.MaxConns = max(cfg.MaxConns, PoolConns)
	}
	// pgxpool replaces a connection once it is an hour old. A new backend
	// costs PostgreSQL about 20 ms of CPU before its first insert (the
	// rehearsal), and connections opened together, as OpenServer opens them,
	// are replaced together: under load, appends waited 200-400 ms
	// (docs/performance.md). Like database/sql, a connection is kept until
	// it breaks or idles out, unless the URL sets a lifetime; then the
	// replacements are spread over a sixth of it.
	if !setsParam(url, "pool_max_conn_lifetime") {
		cfg.MaxConnLifetime = 0
	}
	if !setsParam(url, "pool_max_conn_lifetime_jitter") {
		cfg.MaxConnLifetimeJitter = cfg.MaxConnLifetime / lifetimeJitterDivisor
	}
	s := &Store{log: log}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	s.pool = pool
	if err := s.Ping(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	s.appends = groupcommit.New(groupcommit.Options{Parallel: Committers, MaxGroup: MaxGroup, Timeout: GroupTimeout, Linger: GroupLinger},
		func(m chat.NewMessage) string { return m.RoomID }, s.commitGroup)
	return s, nil
}

// setsParam reports whether the connection string (URL or key=value)
// sets the parameter name.
func setsParam(conn, name string) bool {
	return strings.Contains(conn, name+"=") || strings.Contains(conn, name+" =")
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping postgres: %w", err)
	}
	return nil
}

// Close stops the group committers (appends already queued are committed
// first) and closes the pool.
func (s *Store) Close() error {
	if s.appends != nil {
		s.appends.Close()
	}
	s.pool.Close()
	return nil
}

// migrate applies each embedded migration not yet recorded, each in its own
// transaction that first takes an advisory lock, so instances starting at
// once apply every migration exactly once.
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
		base := strings.TrimPrefix(name, "migrations/")
		version, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migration %s: name must start with a number: %w", name, err)
		}
		if upTo > 0 && version > upTo {
			break
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return fmt.Errorf("read migration %s: %w", name, err)
		}
		err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLockKey); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
				version bigint PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
				return err
			}
			var done bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`, version).Scan(&done); err != nil || done {
				return err
			}
			if _, err := tx.Exec(ctx, string(body)); err != nil {
				return err
			}
			if step := migrationStep(version); step != nil {
				if err := step(ctx, tx); err != nil {
					return err
				}
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, version)
			if err == nil {
				s.log.InfoContext(ctx, "applied migration", "store", "postgres", "migration", name)
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
	}
	return nil
}

// isUnique reports whether err is a unique violation. (errors.AsType, not
// errors.As: As's target escapes, an allocation on every append's nil err.)
func isUnique(err error) bool {
	e, ok := errors.AsType[*pgconn.PgError](err)
	return ok && e.Code == "23505"
}

func isNoRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }

func ts(t time.Time) chat.Time { return chat.NewTime(t) }

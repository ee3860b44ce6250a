package postgres

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/jackc/pgx/v5/pgxpool"
)

// OpenServer opens a server's store: Open's, migrated, whose pool is then
// made anew for the server's traffic, and returns once that pool is full.
//   - Every connection rehearses the append before the pool hands it out
//     (rehearse.go), so no post pays for a new backend's first insert.
//   - The pool is kept full (MinConns = MaxConns, unless the URL sets
//     pool_min_conns): idle connections are not closed, and one that
//     breaks or reaches a lifetime set in the URL is replaced by pgxpool's
//     health check in the background, not by a waiting post.
//
// A pool that grows on demand made the first appends after a start, a
// deploy's, wait for connections to be made and for each new backend's
// first insert: on a store just opened, 1,000 msg/s over 1,000 rooms saw
// a first second's p99 of 105-218 ms cold, 82-125 ms with the connections
// opened and 1-11 ms rehearsed (docs/performance.md). One that closes idle
// connections (pgxpool's default, after 30 minutes) made the first burst
// after a quiet spell pay again. A pool that cannot be filled is logged
// and the store still serves: connections then open on demand.
func OpenServer(ctx context.Context, url string, log *slog.Logger) (*Store, error) {
	s, err := Open(ctx, url, log)
	if err != nil {
		return nil, err
	}
	// The migrations' pool did not rehearse: closed, it leaves no
	// unrehearsed connection behind.
	cfg := s.pool.Config()
	cfg.AfterConnect = s.afterConnect
	if !setsParam(url, "pool_min_conns") {
		cfg.MinConns = cfg.MaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	s.pool.Close()
	s.pool = pool
	if err := s.fill(ctx); err != nil {
		s.log.WarnContext(ctx, "database connections not opened ahead; they open on demand", "err", err)
	}
	return s, nil
}

// fill opens every connection the pool may hold, at once, and returns
// them to it idle.
func (s *Store) fill(ctx context.Context) error {
	n := int(s.pool.Config().MaxConns)
	var (
		mu    sync.Mutex
		held  []*pgxpool.Conn
		first error
		wg    sync.WaitGroup
	)
	// Every acquirer keeps its connection until all are done, so that each
	// gets one of its own.
	for range n {
		wg.Go(func() {
			c, err := s.pool.Acquire(ctx)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				first = cmp.Or(first, err)
				return
			}
			held = append(held, c)
		})
	}
	wg.Wait()
	for _, c := range held {
		c.Release()
	}
	if first != nil {
		return fmt.Errorf("fill the connection pool: %d of %d connections open: %w", len(held), n, first)
	}
	return nil
}

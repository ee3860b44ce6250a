package postgres

import (
	"cmp"
	"context"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Warm readies the store for a server's traffic. From now on every new
// connection rehearses the append before the pool hands it out
// (rehearse.go), and Warm opens every connection the pool may hold, at
// once, and returns them to it idle (pgxpool closes idle ones after 30
// minutes). The pool otherwise grows on demand, and the first appends
// after a start, a deploy's, waited for connections to be made and for
// each new backend's first insert. On a store just opened, 1,000 msg/s
// over 1,000 rooms saw a first second's p99 of 105-218 ms cold, 82-125 ms
// with the connections opened and 1-11 ms rehearsed (docs/performance.md).
// Other users of a store (commands, tests) do not pay the ~20 ms a
// rehearsal costs.
func (s *Store) Warm(ctx context.Context) error {
	// The connections open so far (the migrations') did not rehearse:
	// closed here, they come back rehearsed.
	s.rehearse.Store(true)
	s.pool.Reset()
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
		return fmt.Errorf("warm the connection pool: %d of %d connections open: %w", len(held), n, first)
	}
	return nil
}

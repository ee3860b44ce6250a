package postgres

import (
	"context"
	"fmt"
	"hash/fnv"
	"sync"

	"github.com/open-chat/openchat/internal/chat"
)

// Locker is a chat.Locker on PostgreSQL session advisory locks: a holder
// keeps one pooled connection, and the lock, until it releases it; if the
// instance dies, its connection closes and PostgreSQL frees the lock.
type Locker struct{ s *Store }

var _ chat.Locker = Locker{}

// Locker returns the store's chat.Locker.
func (s *Store) Locker() Locker { return Locker{s: s} }

// lockKey maps a lock name to an advisory lock key, in a namespace of its
// own so that other users of the database are not confused with it.
func lockKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte("openchat.lock:" + name))
	return int64(h.Sum64())
}

// TryLock implements chat.Locker with pg_try_advisory_lock.
func (l Locker) TryLock(ctx context.Context, name string) (func(context.Context) error, bool, error) {
	conn, err := l.s.pool.Acquire(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("lock %s: %w", name, err)
	}
	key := lockKey(name)
	var held bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&held); err != nil || !held {
		conn.Release()
		if err != nil {
			return nil, false, fmt.Errorf("lock %s: %w", name, err)
		}
		return nil, false, nil
	}
	var once sync.Once
	var unlockErr error
	return func(ctx context.Context) error {
		once.Do(func() {
			if _, err := conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, key); err != nil {
				// The lock lives as long as the session: close it rather
				// than return a connection that still holds it.
				_ = conn.Conn().Close(context.WithoutCancel(ctx))
				unlockErr = fmt.Errorf("unlock %s: %w", name, err)
			}
			conn.Release()
		})
		return unlockErr
	}, true, nil
}

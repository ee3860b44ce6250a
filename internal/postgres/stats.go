package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/groupcommit"
)

// OutboxStats counts unbatched notifications and pending batches, and
// finds the oldest of either (both through partial or leading indexes).
func (s *Store) OutboxStats(ctx context.Context) (chat.OutboxStats, error) {
	var st chat.OutboxStats
	var oldN, oldB *time.Time
	err := s.pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM notifications WHERE batch_id IS NULL),
		(SELECT min(created_at) FROM notifications WHERE batch_id IS NULL),
		(SELECT count(*) FROM mail_batches WHERE status = 'pending'),
		(SELECT min(created_at) FROM mail_batches WHERE status = 'pending')`).Scan(&st.Notifications, &oldN, &st.Batches, &oldB)
	if err != nil {
		return chat.OutboxStats{}, fmt.Errorf("outbox stats: %w", err)
	}
	for _, t := range []*time.Time{oldN, oldB} {
		if t != nil && (st.Oldest.IsZero() || t.Before(st.Oldest)) {
			st.Oldest = *t
		}
	}
	return st, nil
}

// PoolStats reports the pgx pool.
func (s *Store) PoolStats() []chat.PoolStats {
	st := s.pool.Stat()
	return []chat.PoolStats{{Pool: "main", Max: int(st.MaxConns()), Open: int(st.TotalConns()), InUse: int(st.AcquiredConns()),
		Idle: int(st.IdleConns()), Waits: st.EmptyAcquireCount(), WaitTime: st.EmptyAcquireWaitTime(),
		Opened: st.NewConnsCount(), ClosedIdle: st.MaxIdleDestroyCount(), ClosedOld: st.MaxLifetimeDestroyCount()}}
}

// ObserveGroups has f called with every group commit: how long each of its
// messages queued behind the commit before it, and its own time (for
// metrics). Call it before the store is used.
func (s *Store) ObserveGroups(f func(groupcommit.Group)) { s.appends.Observe(f) }

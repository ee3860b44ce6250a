package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/groupcommit"
)

// OutboxStats counts unbatched notifications and pending batches, and
// finds the oldest of either (both through partial or leading indexes).
func (s *Store) OutboxStats(ctx context.Context) (chat.OutboxStats, error) {
	var st chat.OutboxStats
	var oldN, oldB sql.NullInt64
	err := s.r.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM notifications WHERE batch_id IS NULL),
		(SELECT min(created_at) FROM notifications WHERE batch_id IS NULL),
		(SELECT count(*) FROM mail_batches WHERE status = ?),
		(SELECT min(created_at) FROM mail_batches WHERE status = ?)`,
		string(chat.BatchPending), string(chat.BatchPending)).Scan(&st.Notifications, &oldN, &st.Batches, &oldB)
	if err != nil {
		return chat.OutboxStats{}, fmt.Errorf("outbox stats: %w", err)
	}
	for _, v := range []sql.NullInt64{oldN, oldB} {
		if t := time.UnixMilli(v.Int64); v.Valid && (st.Oldest.IsZero() || t.Before(st.Oldest)) {
			st.Oldest = t
		}
	}
	return st, nil
}

// PoolStats reports the writer connection and the reader pool.
func (s *Store) PoolStats() []chat.PoolStats {
	pool := func(name string, db *sql.DB, opened *atomic.Int64) chat.PoolStats {
		st := db.Stats()
		return chat.PoolStats{Pool: name, Max: st.MaxOpenConnections, Open: st.OpenConnections, InUse: st.InUse,
			Idle: st.Idle, Waits: st.WaitCount, WaitTime: st.WaitDuration, Opened: opened.Load(),
			ClosedIdle: st.MaxIdleClosed + st.MaxIdleTimeClosed, ClosedOld: st.MaxLifetimeClosed}
	}
	return []chat.PoolStats{pool("writer", s.w, &s.wOpened), pool("reader", s.r, &s.rOpened)}
}

// ObserveGroups has f called with every group commit: how long each of its
// messages queued behind the commit before it, and its own time (for
// metrics). Call it before the store is used.
func (s *Store) ObserveGroups(f func(groupcommit.Group)) { s.appends.Observe(f) }

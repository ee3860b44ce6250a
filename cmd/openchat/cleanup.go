package main

import (
	"log/slog"
	"time"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/cleanup"
	"github.com/open-chat/openchat/internal/memory"
	"github.com/open-chat/openchat/internal/postgres"
)

// day is the unit of --mail-history and --message-retention.
const day = 24 * time.Hour

// newCleanup builds the cleanup job over the store (raw: the unwrapped
// store, whose kind picks the lock), its tasks from c.
func newCleanup(c config, raw, st chat.Store, svc *chat.Service, inf infra, m cleanup.Metrics, log *slog.Logger) *cleanup.Runner {
	tasks := cleanup.StoreTasks(st, svc, cleanup.Retention{MailHistory: time.Duration(c.MailHistoryDays) * day,
		Messages: time.Duration(c.MessageRetentionDays) * day})
	return cleanup.New(cleanup.Config{Interval: c.CleanupInterval, FirstDelay: min(cleanup.DefaultFirstDelay, c.CleanupInterval)},
		cleanupLocker(raw, inf), m, log, tasks...)
}

// cleanupLocker elects the instance that cleans up: on PostgreSQL an
// advisory lock in the database being cleaned, else the Redis lock of a
// multi-instance deployment, else (one SQLite instance) a mutex.
func cleanupLocker(raw chat.Store, inf infra) chat.Locker {
	if pg, ok := raw.(*postgres.Store); ok {
		return pg.Locker()
	}
	if inf.locker != nil {
		return inf.locker
	}
	return memory.NewLocker()
}

package cleanup

import (
	"context"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// Defaults of the tasks' settings (flags --mail-history, --message-retention).
const (
	DefaultMailHistory = 30 * 24 * time.Hour
)

// Retention is how long data is kept.
type Retention struct {
	// MailHistory: sent (or failed) mail batches and their notifications
	// are deleted this long after they were formed; notifications never
	// mailed, this long after they were made.
	MailHistory time.Duration
	// Messages: messages older than this become tombstones (0: kept forever).
	Messages time.Duration
}

// MessageExpirer tombstones old messages; *chat.Service is one.
type MessageExpirer interface {
	ExpireMessages(ctx context.Context, before time.Time, limit int) (int64, error)
}

// StoreTasks are the tasks of OpenChat's own data: expired sessions, mail
// history, client ids past chat.ClientIDWindow, and with a message
// retention, old messages (through msgs, so that each deletion reaches
// open clients as DeleteMessage does).
func StoreTasks(st chat.LifecycleStore, msgs MessageExpirer, keep Retention) []Task {
	if keep.MailHistory <= 0 {
		keep.MailHistory = DefaultMailHistory
	}
	tasks := []Task{
		{"sessions", st.DeleteExpiredSessions},
		{"mail_history", func(ctx context.Context, now time.Time, limit int) (int64, error) {
			return st.DeleteMailHistory(ctx, now.Add(-keep.MailHistory), limit)
		}},
		{"client_ids", func(ctx context.Context, now time.Time, limit int) (int64, error) {
			return st.ClearClientIDs(ctx, now.Add(-chat.ClientIDWindow), limit)
		}},
	}
	if keep.Messages > 0 {
		tasks = append(tasks, Task{"message_retention", func(ctx context.Context, now time.Time, limit int) (int64, error) {
			return msgs.ExpireMessages(ctx, now.Add(-keep.Messages), limit)
		}})
	}
	return tasks
}

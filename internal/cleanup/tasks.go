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

// resetHistory is how long a password reset is kept after it expired
// (used or not): long enough to answer "did I ask for this link?".
const resetHistory = 7 * 24 * time.Hour

// Retention is how long data is kept.
type Retention struct {
	// MailHistory: sent (or failed) mail batches and their notifications
	// are deleted this long after they were formed; notifications never
	// mailed, this long after they were made.
	MailHistory time.Duration
	// Messages: messages older than this become tombstones (0: kept forever).
	Messages time.Duration
}

// Store is what the tasks delete from directly.
type Store interface {
	chat.LifecycleStore
	DeleteAuditBefore(ctx context.Context, cutoff time.Time) (int64, error)
	DeleteExpiredResets(ctx context.Context, before time.Time, limit int) (int64, error)
}

// Service does the deletions that open clients or the file store must
// see; *chat.Service is one.
type Service interface {
	// ExpireMessages tombstones old messages, as DeleteMessage does.
	ExpireMessages(ctx context.Context, before time.Time, limit int) (int64, error)
	// SweepUploads deletes uploads no message has attached for a day.
	SweepUploads(ctx context.Context, now time.Time) (int, error)
}

// StoreTasks are the tasks of OpenChat's own data: expired sessions, mail
// history, client ids past chat.ClientIDWindow, audit entries past
// chat.AuditRetention, orphaned uploads, and with a message retention, old
// messages (through svc, so that each deletion reaches open clients).
func StoreTasks(st Store, svc Service, keep Retention) []Task {
	if keep.MailHistory <= 0 {
		keep.MailHistory = DefaultMailHistory
	}
	tasks := []Task{
		{"sessions", st.DeleteExpiredSessions},
		{"mail_history", func(ctx context.Context, now time.Time, limit int) (int64, error) {
			return st.DeleteMailHistory(ctx, now.Add(-keep.MailHistory), limit)
		}},
		{"password_resets", func(ctx context.Context, now time.Time, limit int) (int64, error) {
			return st.DeleteExpiredResets(ctx, now.Add(-resetHistory), limit)
		}},
		{"client_ids", func(ctx context.Context, now time.Time, limit int) (int64, error) {
			return st.ClearClientIDs(ctx, now.Add(-chat.ClientIDWindow), limit)
		}},
		// These two delete all that is due in one call (few rows: the
		// batch size does not apply).
		{"audit_log", func(ctx context.Context, now time.Time, _ int) (int64, error) {
			return st.DeleteAuditBefore(ctx, now.Add(-chat.AuditRetention))
		}},
		{"uploads", func(ctx context.Context, now time.Time, _ int) (int64, error) {
			n, err := svc.SweepUploads(ctx, now)
			return int64(n), err
		}},
	}
	if keep.Messages > 0 {
		tasks = append(tasks, Task{"message_retention", func(ctx context.Context, now time.Time, limit int) (int64, error) {
			return svc.ExpireMessages(ctx, now.Add(-keep.Messages), limit)
		}})
	}
	return tasks
}

package chat

import (
	"context"
	"time"
)

// Reports: anyone who may read a message may report it once (one open
// report per reporter per message); the moderation queue shows open
// reports to admins (every room) and to owners and moderators (their
// rooms), who resolve or dismiss them.

// ReportReasonMaxLen bounds a report's reason, in characters.
const (
	ReportReasonMaxLen  = 500
	ReportActionMaxLen  = 64
	ReportsDefaultLimit = 50
	ReportsMaxLimit     = 100
)

// ReportStatus is where a report is in the queue.
type ReportStatus string

// Report statuses.
const (
	ReportOpen      ReportStatus = "open"
	ReportResolved  ReportStatus = "resolved"  // acted upon (Action says how)
	ReportDismissed ReportStatus = "dismissed" // nothing to do
)

// Valid reports whether s is a known status.
func (s ReportStatus) Valid() bool {
	return s == ReportOpen || s == ReportResolved || s == ReportDismissed
}

// Report is one person's report of a message, with the message as it
// stands (a deleted one is a tombstone) for the queue.
type Report struct {
	ID         string       `json:"id"`
	Room       RoomRef      `json:"room"`
	Seq        int64        `json:"seq"`
	MessageID  string       `json:"-"`
	Message    ReportedMsg  `json:"message"`
	Reporter   UserRef      `json:"reporter"`
	Reason     string       `json:"reason"`
	Status     ReportStatus `json:"status"`
	ResolvedBy *UserRef     `json:"resolved_by,omitempty"`
	Action     string       `json:"action,omitempty"`
	CreatedAt  Time         `json:"created_at"`
	ResolvedAt *Time        `json:"resolved_at,omitempty"`
}

// ReportedMsg is the reported message as moderators see it.
type ReportedMsg struct {
	Author  UserRef `json:"author"`
	Body    string  `json:"body"`
	Deleted bool    `json:"deleted"`
}

// ReportQuery pages reports of one status, newest first, before the
// report id Before ("" from the newest). ModeratorID, when set, keeps the
// reports of rooms where that user is owner or moderator.
type ReportQuery struct {
	Status      ReportStatus
	ModeratorID string
	Before      string
	Limit       int
}

// ReportStore keeps reports.
type ReportStore interface {
	// CreateReport stores r (open); ECONFLICT if the reporter has an open
	// report of the message.
	CreateReport(ctx context.Context, r Report) error
	// ReportByID returns ENOTFOUND for an unknown id.
	ReportByID(ctx context.Context, id string) (Report, error)
	// Reports pages reports (see ReportQuery).
	Reports(ctx context.Context, q ReportQuery) ([]Report, error)
	// ResolveReport closes an open report with status, by whom, what was
	// done and when; ECONFLICT if it is not open, ENOTFOUND if unknown.
	ResolveReport(ctx context.Context, id string, status ReportStatus, by UserRef, action string, at time.Time, audit AuditEntry) (Report, error)
}

package chat

import (
	"context"
	"encoding/json"
	"time"
)

// Server administration: admins (User.Admin) run the server. The first
// account is one; `openchat admin grant|revoke` names others. Admins
// deactivate and reactivate accounts, delete any message, archive and
// delete rooms, send password-reset links and read the audit log, which
// records each of those acts in the transaction that does it (a message
// deletion, whose store method is shared with authors, right after).

// Audit actions.
const (
	AuditAdminGrant      = "user.admin_grant"
	AuditAdminRevoke     = "user.admin_revoke"
	AuditDeactivate      = "user.deactivate"
	AuditReactivate      = "user.reactivate"
	AuditPasswordReset   = "user.password_reset_link"
	AuditMessageDelete   = "message.delete"
	AuditRoomArchive     = "room.archive"
	AuditRoomUnarchive   = "room.unarchive"
	AuditRoomDelete      = "room.delete"
	AuditReportResolve   = "report.resolve"
	AuditReportDismiss   = "report.dismiss"
	AuditTargetUser      = "user"
	AuditTargetRoom      = "room"
	AuditTargetMessage   = "message"
	AuditTargetReport    = "report"
	AuditActionMaxLen    = 64
	AuditDefaultLimit    = 50
	AuditMaxLimit        = 200
	AdminUsersMaxLimit   = 100
	AdminUserQueryMaxLen = 64
)

// AuditRetention is the least time audit entries are kept. The cleanup
// job deletes older ones with AdminStore.DeleteAuditBefore and must never
// be configured below it.
const AuditRetention = 365 * 24 * time.Hour

// SystemActor names the command line (`openchat admin`) in the audit log.
var SystemActor = UserRef{ID: "system", Username: "system", DisplayName: "openchat command line"}

// AuditEntry is one act of an admin or moderator: who did what to what,
// when. Details is a JSON object.
type AuditEntry struct {
	ID         int64           `json:"id"`
	ActorID    string          `json:"actor_id"`
	ActorName  string          `json:"actor_username"`
	Action     string          `json:"action"`
	TargetType string          `json:"target_type"`
	TargetID   string          `json:"target_id"`
	Details    json.RawMessage `json:"details"`
	CreatedAt  Time            `json:"created_at"`
}

// newAudit builds an entry; details must marshal (a map of strings does).
func newAudit(actor UserRef, action, targetType, targetID string, details map[string]any, at time.Time) AuditEntry {
	b, err := json.Marshal(details)
	if err != nil || details == nil {
		b = []byte("{}")
	}
	return AuditEntry{ActorID: actor.ID, ActorName: actor.Username, Action: action, TargetType: targetType,
		TargetID: targetID, Details: b, CreatedAt: NewTime(at)}
}

// AuditQuery pages the audit log newest first: entries with ID < Before
// (0: from the newest), of one actor and one action when set.
type AuditQuery struct {
	Before  int64
	Limit   int
	ActorID string
	Action  string
}

// UserQuery pages every account by username for admins: those whose
// username or e-mail address contains Q (case-insensitively), after the
// username After.
type UserQuery struct {
	Q     string
	After string
	Limit int
}

// AdminRoomQuery pages public and private rooms by name (name key, then
// id) for admins: those whose name contains Q, after the cursor.
type AdminRoomQuery struct {
	Q        string
	AfterKey string // the name key and id of the last room of the previous page, "\x00"-joined
	Limit    int
}

// AdminStore keeps what admins change. Each method that takes an
// AuditEntry writes it in the transaction of the change.
type AdminStore interface {
	// SetAdmin grants or revokes admin; ENOTFOUND for an unknown user,
	// ECONFLICT when revoking would leave no active admin (decided under
	// a lock, so two revocations cannot both pass).
	SetAdmin(ctx context.Context, userID string, admin bool, audit AuditEntry) (User, error)
	// SetDeactivated deactivates (at set) or reactivates (at nil) a user;
	// deactivating deletes every session of the user in the same
	// transaction and returns their token hashes. ENOTFOUND.
	SetDeactivated(ctx context.Context, userID string, at *time.Time, audit AuditEntry) (User, []string, error)
	// Users pages every account (see UserQuery).
	Users(ctx context.Context, q UserQuery) ([]User, error)
	// AdminRooms pages public and private rooms (see AdminRoomQuery).
	AdminRooms(ctx context.Context, q AdminRoomQuery) ([]Room, error)
	// SetRoomArchived archives (at set) or unarchives (at nil) a room. ENOTFOUND.
	SetRoomArchived(ctx context.Context, roomID string, at *time.Time, audit AuditEntry) (Room, error)
	// DeleteRoom removes a room and everything of it (members, messages,
	// reactions, mentions, pending notifications, reports) and returns the
	// ids of its members. ENOTFOUND.
	DeleteRoom(ctx context.Context, roomID string, audit AuditEntry) ([]string, error)
	// AppendAudit writes an entry on its own (for changes made through a
	// store method that does not take one).
	AppendAudit(ctx context.Context, e AuditEntry) error
	// AuditLog pages the log (see AuditQuery).
	AuditLog(ctx context.Context, q AuditQuery) ([]AuditEntry, error)
	// DeleteAuditBefore deletes entries created before cutoff and returns
	// how many; for the cleanup job, which keeps at least AuditRetention.
	DeleteAuditBefore(ctx context.Context, cutoff time.Time) (int64, error)
}

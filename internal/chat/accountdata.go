package chat

import (
	"context"
	"strings"
	"time"
)

// Data rights (issue 16): what a user's export reads and what deleting an
// account erases. The rules are in service_accountdata.go.

// Limits of data export and deletion.
const (
	// ExportPageSize is how many rows an export or a deletion reads from the
	// store at a time: a long history streams, it is never held whole.
	ExportPageSize = 500
	// DeletedDisplayName is what the account of a deleted user is shown as.
	DeletedDisplayName = "Deleted user"
	// DeletedUsernamePrefix starts the username a deleted account gets, so
	// its old name is free again and the row (the author of its messages)
	// names nobody.
	DeletedUsernamePrefix = "deleted-"
)

// MessageKey is a message's place: its room and seq. Walks over a user's
// messages go in (room id, seq) order and resume after a key.
type MessageKey struct {
	RoomID string `json:"room_id"`
	Seq    int64  `json:"seq"`
}

// UserReaction is one reaction a user gave, with where its message is.
type UserReaction struct {
	MessageID string `json:"message_id"`
	RoomID    string `json:"room_id"`
	Seq       int64  `json:"seq"`
	Emoji     string `json:"emoji"`
	CreatedAt Time   `json:"created_at"`
}

// ReactionKey is where a walk over a user's reactions resumes: after the
// reaction with this message id and emoji.
type ReactionKey struct {
	MessageID, Emoji string
}

// AccountDataStore reads a user's data for an export and erases an account.
type AccountDataStore interface {
	// MessagesByAuthor returns up to limit of the user's messages (tombstones
	// included) after the key, in (room id, seq) order.
	MessagesByAuthor(ctx context.Context, userID string, after MessageKey, limit int) ([]Message, error)
	// ReactionsByUser returns up to limit of the user's reactions after the
	// key, in (message id, emoji) order.
	ReactionsByUser(ctx context.Context, userID string, after ReactionKey, limit int) ([]UserReaction, error)
	// EraseUser turns the account into a tombstone identity in one
	// transaction: its sessions, mentions, notifications, mail batches,
	// reactions and memberships are deleted; its username becomes username,
	// its display name DeletedDisplayName; e-mail, password hash and
	// preferences are erased and DeletedAt set. Its messages stay (their
	// author is the tombstone). It returns the deleted sessions' token
	// hashes; ENOTFOUND for an unknown or already deleted user.
	EraseUser(ctx context.Context, userID, username string, now time.Time) ([]string, error)
}

// DeletedUsername is the username a deleted account gets: the prefix and
// its id without dashes, unique because the id is. At 40 characters it is
// longer than any name ValidateUsername admits, so no one can sign up as,
// sign in as or mention it.
func DeletedUsername(userID string) string {
	return DeletedUsernamePrefix + strings.ReplaceAll(userID, "-", "")
}

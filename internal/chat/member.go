package chat

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Role is what a member may do in a room.
type Role string

// Member roles.
const (
	Owner      Role = "owner"     // the creator, or who it handed the room to
	Moderator  Role = "moderator" // may invite, remove, rename, change the topic
	MemberRole Role = "member"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == Owner || r == Moderator || r == MemberRole }

// manages reports whether the role may invite, remove members, rename the
// room and change its topic.
func (r Role) manages() bool { return r == Owner || r == Moderator }

// Limits of membership.
const (
	DirectMaxMembers = 8 // people in a direct room, the creator included
	MembersMaxLimit  = 100
)

// Member is one person's membership of a room.
type Member struct {
	User        UserRef `json:"user"`
	RoomID      string  `json:"-"`
	Role        Role    `json:"role"`
	JoinedAt    Time    `json:"joined_at"`
	LastReadSeq int64   `json:"-"`
	// Deactivated marks a member whose account an admin deactivated.
	Deactivated bool `json:"deactivated,omitempty"`
}

// MyRoom is a room as its member sees it in their list: with their role,
// read position and unread counts.
type MyRoom struct {
	Room
	Role           Role  `json:"role"`
	LastSeq        int64 `json:"last_seq"`
	LastReadSeq    int64 `json:"last_read_seq"`
	Unread         int64 `json:"unread"`
	UnreadMentions int64 `json:"unread_mentions"`
}

// MemberQuery pages a room's members in join order: those after the
// member that Cursor names (a cursor from MemberPage.NextCursor).
type MemberQuery struct {
	Cursor string
	Limit  int
}

// MemberPage is a page of members and the cursor of the next ("" at the end).
type MemberPage struct {
	Members    []Member `json:"members"`
	NextCursor string   `json:"next_cursor"`
}

// MemberStore keeps who belongs to which room and how far they have read.
type MemberStore interface {
	// Member returns one membership; ENOTFOUND if the user is not a member.
	Member(ctx context.Context, roomID, userID string) (Member, error)
	// AddMember makes userID a member with role, its read position at the
	// room's newest message. added is false if it already was a member
	// (its role is then unchanged). ENOTFOUND for an unknown room or user.
	AddMember(ctx context.Context, roomID, userID string, role Role, now Time) (added bool, err error)
	// RemoveMember ends a membership. When the owner leaves, the oldest
	// moderator, else the oldest member, becomes owner in the same
	// transaction (newOwner: its id). removed is false if it was no member.
	RemoveMember(ctx context.Context, roomID, userID string) (removed bool, newOwner string, err error)
	// SetRole changes a member's role; ENOTFOUND if not a member. Making a
	// member owner makes the previous owner a moderator in the same
	// transaction.
	SetRole(ctx context.Context, roomID, userID string, role Role) (Member, error)
	// Members pages a room's members by join time (user id breaks ties),
	// returning up to limit after the cursor (the last member of the
	// previous page: its join time and user id).
	Members(ctx context.Context, roomID string, after MemberCursor, limit int) ([]Member, error)
	// MemberIDs returns the ids of every member of a room (for direct rooms
	// and small lists) and, of those, the ones among only (all when only
	// is nil).
	MemberIDs(ctx context.Context, roomID string, only []string) ([]string, error)
	// MyRooms lists every room userID is a member of (only roomID's when
	// it is not ""), with the read state. Unread counts the messages after
	// the read position that the room shows (not the replies shown only in
	// their thread); UnreadMentions the user's mentions after it.
	MyRooms(ctx context.Context, userID, roomID string) ([]MyRoom, error)
	// MarkRead moves a member's read position to seq (capped at the room's
	// newest message), never backwards; it returns the position after the
	// call and whether it moved. ENOTFOUND if not a member.
	MarkRead(ctx context.Context, roomID, userID string, seq int64) (pos int64, moved bool, err error)
	// MarkReads moves many read positions forward (never backwards), in
	// one transaction; non-members are skipped.
	MarkReads(ctx context.Context, marks []ReadMark) error
}

// ReadMark is a read position to store: UserID has read RoomID up to Seq.
type ReadMark struct {
	RoomID, UserID string
	Seq            int64
}

// MemberCursor is where a page of members starts: after the member who
// joined at JoinedAt with UserID (zero: from the start).
type MemberCursor struct {
	JoinedAt Time
	UserID   string
}

// DirectKey is the identity of a direct room: its members' ids, sorted and
// joined, so the same set of people in any order gives the same key.
func DirectKey(memberIDs []string) string {
	ids := slices.Clone(memberIDs)
	slices.Sort(ids)
	return strings.Join(slices.Compact(ids), ",")
}

func timeFromMS(ms int64) Time { return NewTime(time.UnixMilli(ms)) }

// FinishReadState fills what a store reads apart into a MyRoom: its unread
// count (messages after the read position but the threadOnly replies shown
// only in their thread; a post shown in the room moves its author's
// position, so none of these are the member's own), its unread mentions
// and a direct room's other members.
func FinishReadState(r *MyRoom, threadOnly, unreadMentions int64, others []UserRef) {
	r.Unread = max(0, r.LastSeq-r.LastReadSeq-threadOnly)
	r.UnreadMentions = unreadMentions
	if r.Visibility == Direct {
		r.Members = nonNil(others)
	}
}

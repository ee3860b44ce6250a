package chat

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"unicode/utf8"
)

// Limits on room fields.
const (
	RoomNameMaxLen  = 64
	RoomTopicMaxLen = 256
)

// Visibility says who may see a room.
type Visibility string

// Room visibilities.
const (
	Public  Visibility = "public"  // listed in the directory; anyone may read, join and post
	Private Visibility = "private" // invisible to non-members; invite only
	Direct  Visibility = "direct"  // 2 to DirectMaxMembers people, no name, one per set of people
)

// creatable reports whether v names a room kind a client may create by name
// (direct rooms come from OpenDirect).
func (v Visibility) creatable() bool { return v == Public || v == Private }

// Room is a place where people talk. Members holds the other members of a
// direct room where it is shown to a member (nil elsewhere).
type Room struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Topic      string     `json:"topic"`
	Visibility Visibility `json:"visibility"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  Time       `json:"created_at"`
	Members    []UserRef  `json:"members,omitempty"`
	// ArchivedAt is when an admin archived the room (nil: not archived):
	// members still read it, nobody posts, edits or reacts.
	ArchivedAt *Time `json:"archived_at,omitempty"`
}

// RoomPatch renames a room or changes its topic; nil fields stay.
type RoomPatch struct {
	Name  *string
	Topic *string
}

// ValidateRoom trims and checks a new room's name and topic.
func ValidateRoom(name, topic string) (string, string, error) {
	name, topic = strings.TrimSpace(name), strings.TrimSpace(topic)
	if err := cmp.Or(CheckText("name", name, TextName), CheckText("topic", topic, TextLine)); err != nil {
		return "", "", err
	}
	if n := utf8.RuneCountInString(name); n < 1 || n > RoomNameMaxLen {
		return "", "", Invalid("name", "must be 1 to %d characters", RoomNameMaxLen)
	}
	if utf8.RuneCountInString(topic) > RoomTopicMaxLen {
		return "", "", Invalid("topic", "must be at most %d characters", RoomTopicMaxLen)
	}
	return name, topic, nil
}

// RoomStore keeps rooms.
type RoomStore interface {
	// CreateRoom stores r (public or private) with r.CreatedBy as its owner,
	// in one transaction; ECONFLICT if r is public and another public room
	// has its name (case-insensitively). Private rooms' names may repeat.
	CreateRoom(ctx context.Context, r Room) error
	// CreateDirectRoom stores r (direct) with memberIDs as members, unless a
	// direct room of exactly that set of people exists: then it returns that
	// one with created=false, adding back any of them who had left. Safe
	// under concurrent calls for the same set: one room results.
	CreateDirectRoom(ctx context.Context, r Room, memberIDs []string) (room Room, created bool, err error)
	// RoomByID returns ENOTFOUND for an unknown id.
	RoomByID(ctx context.Context, id string) (Room, error)
	// Rooms lists every public room by name (case-insensitively).
	Rooms(ctx context.Context) ([]Room, error)
	// UpdateRoom applies p; ENOTFOUND, ECONFLICT as CreateRoom.
	UpdateRoom(ctx context.Context, id string, p RoomPatch) (Room, error)
}

// FoldName is a room name as rooms sort and match case-insensitively:
// lower-cased by Go, for every script. Stores keep it with the name
// (SQLite's lower() folds ASCII only, PostgreSQL's follows the database's
// locale), so a cursor computed here compares as the store orders.
func FoldName(name string) string { return strings.ToLower(name) }

// SortRooms orders rooms as RoomStore.Rooms lists them: by name,
// case-insensitively (names are unique that way; the id breaks ties anyway).
// Caches that rebuild the list from a set use it.
func SortRooms(rooms []Room) {
	slices.SortFunc(rooms, func(a, b Room) int {
		return cmp.Or(strings.Compare(FoldName(a.Name), FoldName(b.Name)),
			strings.Compare(a.Name, b.Name), strings.Compare(a.ID, b.ID))
	})
}

// RoomNameKey is what a store keeps unique for a room: the lower-cased
// name of a public room (public names are unique case-insensitively), the
// id of any other (private names may repeat, and must not reveal that a
// room exists by colliding).
func RoomNameKey(r Room) string {
	if r.Visibility == Public {
		return FoldName(r.Name)
	}
	return r.ID
}

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

// Room is a place where people talk. Any signed-in user may read and post.
type Room struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Topic     string `json:"topic"`
	CreatedBy string `json:"created_by"`
	CreatedAt Time   `json:"created_at"`
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
	// CreateRoom stores r; ECONFLICT if the name is taken (case-insensitively).
	CreateRoom(ctx context.Context, r Room) error
	// RoomByID returns ENOTFOUND for an unknown id.
	RoomByID(ctx context.Context, id string) (Room, error)
	// Rooms lists every room by name (case-insensitively).
	Rooms(ctx context.Context) ([]Room, error)
}

// SortRooms orders rooms as RoomStore.Rooms lists them: by name,
// case-insensitively (names are unique that way; the id breaks ties anyway).
// Caches that rebuild the list from a set use it.
func SortRooms(rooms []Room) {
	slices.SortFunc(rooms, func(a, b Room) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)),
			strings.Compare(a.Name, b.Name), strings.Compare(a.ID, b.ID))
	})
}

package chat

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// Limits on a search page.
const (
	SearchDefaultLimit = 20
	SearchMaxLimit     = 50
)

// MessageSearch is what a store searches: the text of Query (its words,
// prefix and phrases; From and In are resolved by the Service into
// AuthorID and RoomIDs), newest first.
type MessageSearch struct {
	Query SearchQuery
	// ReaderID: only messages of public rooms and of rooms where ReaderID
	// is a member. The Service decides who may read what (service_members.go);
	// this is that rule as the one filter a store can apply to a
	// full-text match without listing every room.
	ReaderID string
	AuthorID string   // "" for any author
	RoomIDs  []string // empty for any room the reader may read
	Before   Time     // created_at < Before, if set
	After    Time     // created_at > After, if set
	Cursor   SearchCursor
	Limit    int
}

// SearchCursor is the last hit of a page; the next page starts after it.
type SearchCursor struct {
	At Time
	ID string
}

// IsZero reports whether c is "from the newest".
func (c SearchCursor) IsZero() bool { return c.ID == "" }

// String encodes c for clients, who treat it as opaque.
func (c SearchCursor) String() string {
	if c.IsZero() {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.At.UnixMilli(), 10) + ":" + c.ID))
}

// ParseSearchCursor decodes SearchCursor.String; "" is the zero cursor.
// Error: EBADREQUEST naming the field cursor.
func ParseSearchCursor(s string) (SearchCursor, error) {
	if s == "" {
		return SearchCursor{}, nil
	}
	bad := BadParam("cursor", "is not a cursor this server gave out")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return SearchCursor{}, bad
	}
	ms, id, ok := strings.Cut(string(b), ":")
	n, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil || !ValidID(id) {
		return SearchCursor{}, bad
	}
	return SearchCursor{At: NewTime(time.UnixMilli(n)), ID: id}, nil
}

// SearchHit is a message a store found, with its room.
type SearchHit struct {
	Message Message
	Room    RoomRef
}

// SearchStore searches messages. Both stores index every message in the
// transaction that stores it.
type SearchStore interface {
	// SearchMessages returns up to q.Limit messages matching q, newest
	// first (messages of one millisecond in an order the store keeps from
	// page to page), after q.Cursor's message when it is set. Case and
	// accents never matter.
	SearchMessages(ctx context.Context, q MessageSearch) ([]SearchHit, error)
}

// SearchInput is a search as a client asks it.
type SearchInput struct {
	Q      string
	RoomID string // only this room (ENOTFOUND unless readable)
	From   string // only this username (as from:@name)
	Before time.Time
	After  time.Time
	Limit  int // 0: SearchDefaultLimit
	Cursor string
}

// SearchResult is one found message: its room, the message (its seq is
// where to jump to) and a snippet with the matches marked (Snippet).
type SearchResult struct {
	Room    RoomRef `json:"room"`
	Message Message `json:"message"`
	Snippet string  `json:"snippet"`
}

// SearchPage is a page of results, newest first; NextCursor, if set,
// asks for the next (older) page.
type SearchPage struct {
	Results    []SearchResult `json:"results"`
	NextCursor string         `json:"next_cursor,omitempty"`
}

package chat

import (
	"context"
	"strings"
	"unicode/utf8"
)

// Limits on messages and pages.
const (
	BodyMaxLen       = 4000 // characters (runes) after trimming
	ClientIDMaxLen   = 64
	PageDefaultLimit = 50
	PageMaxLimit     = 100
	MentionsPerBody  = 50 // distinct @names looked up per message
)

// Message is one post in a room. Seq numbers a room's messages 1, 2, 3… with
// no gaps; CreatedAt is the server's clock at commit.
type Message struct {
	ID        string   `json:"id"`
	RoomID    string   `json:"room_id"`
	Seq       int64    `json:"seq"`
	Author    UserRef  `json:"author"`
	Body      string   `json:"body"`
	CreatedAt Time     `json:"created_at"`
	ClientID  string   `json:"client_id,omitempty"`
	Mentions  []string `json:"mentions"`
	// Change is the room's change number of the message's latest change
	// (its post, an edit, its deletion, a reaction): see change.go.
	Change    int64      `json:"change"`
	EditedAt  *Time      `json:"edited_at,omitempty"`
	Deleted   bool       `json:"deleted,omitempty"` // a tombstone: body, mentions and reactions are gone
	Reactions []Reaction `json:"reactions"`
	// Threads: a reply names the seq of the message it answers (ReplyTo);
	// that message counts its replies. AlsoToRoom: the reply is shown in
	// the room as well.
	ReplyTo     int64 `json:"reply_to,omitempty"`
	AlsoToRoom  bool  `json:"also_to_room,omitempty"`
	ReplyCount  int   `json:"reply_count,omitempty"`
	LastReplyAt *Time `json:"last_reply_at,omitempty"`
	// Attachments are the uploads posted with the message (none once it
	// is deleted).
	Attachments []Upload `json:"attachments"`
}

// ThreadOnly reports a reply shown only in its thread, not in the room: it
// is no unread message of the room (MyRoom.Unread), and posting it does
// not mark the room read.
func (m Message) ThreadOnly() bool { return m.ReplyTo != 0 && !m.AlsoToRoom }

// NewMessage is what AppendMessage stores. The store assigns Seq and the
// server time; MentionUserIDs get a mention and a pending e-mail
// notification in the same transaction.
type NewMessage struct {
	ID             string
	RoomID         string
	Author         UserRef
	Body           string
	ClientID       string
	Mentions       []string // usernames, as shown in the message
	MentionUserIDs []string
	// NotifyUserIDs get a pending e-mail notification without a mention
	// (the other members of a direct room).
	NotifyUserIDs []string
	// Join makes the author a member of the (public) room if it is not one.
	Join bool
	// ReplyTo, if set, makes the message a reply in the thread of that
	// seq, which must be a live message of the room that is not a reply
	// itself (else EINVALID, and nothing is stored); the parent's
	// ReplyCount and LastReplyAt change in the same transaction, taking the
	// change number after the reply's.
	ReplyTo    int64
	AlsoToRoom bool
	// Attachments are stored with the message, and an attachment row per
	// upload makes the upload readable by the room's readers.
	Attachments []Upload
}

// ValidateBody trims a message body and checks it.
func ValidateBody(body string) (string, error) {
	body = normalizeNewlines(body)
	if err := CheckText("body", body, TextBody); err != nil {
		return "", err
	}
	body = strings.TrimSpace(body)
	if n := utf8.RuneCountInString(body); n < 1 || n > BodyMaxLen {
		return "", Invalid("body", "must be 1 to %d characters", BodyMaxLen)
	}
	return body, nil
}

// ValidateClientID checks the optional idempotency key of a send.
func ValidateClientID(id string) error {
	if err := CheckText("client_id", id, TextLine); err != nil {
		return err
	}
	if len(id) > ClientIDMaxLen {
		return Invalid("client_id", "must be at most %d bytes", ClientIDMaxLen)
	}
	for _, r := range id {
		if r < 0x21 || r > 0x7e {
			return Invalid("client_id", "must be printable ASCII without spaces")
		}
	}
	return nil
}

// MessageQuery selects a page of a room's messages. At most one of Before and
// After is set; with neither, the newest Limit messages are returned.
type MessageQuery struct {
	Before int64 // seq < Before
	After  int64 // seq > After
	Limit  int
}

// AfterQuery selects the first limit messages with seq > after. After 0
// is "no cursor" to a MessageQuery (the newest page), so reading from the
// start is asked as the newest limit messages below limit+1: seqs have no
// gaps, so those are 1…limit.
func AfterQuery(after int64, limit int) MessageQuery {
	if after == 0 {
		return MessageQuery{Before: int64(limit) + 1, Limit: limit}
	}
	return MessageQuery{After: after, Limit: limit}
}

// Page is a slice of a room's messages, oldest first.
type Page struct {
	Messages []Message `json:"messages"`
	HasMore  bool      `json:"has_more"`
}

// Mention is a message that names a user, as listed for that user.
type Mention struct {
	ID      int64   `json:"id"` // cursor: mentions list newest first by ID
	Room    RoomRef `json:"room"`
	Message Message `json:"message"`
}

// RoomRef names a room inside other objects.
type RoomRef struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Visibility Visibility `json:"visibility,omitempty"`
}

// MissingRef is AppendMessage's error for a message whose room (roomExists
// false) or author does not exist.
func MissingRef(roomExists bool) error {
	if !roomExists {
		return Errorf(ENOTFOUND, "room not found")
	}
	return Errorf(ENOTFOUND, "author not found")
}

// MessageStore keeps messages and their mentions.
type MessageStore interface {
	// AppendMessage stores m with its room's next seq and the current server
	// time, plus a mention and a pending notification per MentionUserIDs, a
	// pending notification per NotifyUserIDs, and with m.Join makes the
	// author a member having read up to the new message, in one
	// transaction. (Other authors' read positions move with MarkReads.) If m.ClientID is set and the same author already posted
	// it in the room, it returns that message and created=false. ENOTFOUND for
	// an unknown room or author (MissingRef), and nothing is stored.
	AppendMessage(ctx context.Context, m NewMessage) (msg Message, created bool, err error)
	// Messages returns up to q.Limit messages, oldest first.
	Messages(ctx context.Context, roomID string, q MessageQuery) ([]Message, error)
	// Mentions lists a user's mentions newest first, with ID < before when before > 0.
	Mentions(ctx context.Context, userID string, before int64, limit int) ([]Mention, error)
}

package chat

import (
	"context"
	"encoding/json"
)

// PubSub fans events out to every instance. Implementations: internal/memory
// (single instance) and internal/redis; both pass chattest.TestPubSub.
type PubSub interface {
	// Publish delivers payload to the handlers subscribed to channel on every
	// instance, at most once each, in publish order per publisher. An
	// implementation may run the handlers of its own instance on the
	// caller's goroutine before Publish returns (internal/memory does), so
	// the caller must not hold a lock that a handler takes.
	Publish(ctx context.Context, channel string, payload []byte) error
	// Subscribe starts delivering channel's payloads to h. h may run on a
	// publisher's goroutine, and concurrently with itself when several
	// goroutines publish, so it must be safe for concurrent use and must not
	// block: a slow h delays the publisher (or, for payloads from other
	// instances, every channel of the PubSub). Payloads of different
	// publishers may reach h in either order. The instance holds one
	// upstream subscription per channel however many local connections want
	// it: callers subscribe once per channel and fan out themselves.
	Subscribe(ctx context.Context, channel string, h func(payload []byte)) (unsubscribe func(), err error)
	// OnResync registers f, called after the connection to the broker was
	// lost and restored: payloads published meanwhile may be missing, so
	// subscribers must reload what they need from the Store.
	OnResync(f func())
	Close() error
}

// Event types carried on a room's channel.
const (
	EventMessage        = "message"
	EventMessageUpdated = "message_updated" // Message is the message after an edit (or a reaction, in a replay)
	EventMessageDeleted = "message_deleted" // Seq and Change name the tombstone
	EventReaction       = "reaction"        // Seq, Emoji, Count, UserID, Added
	EventTyping         = "typing"

	// On MembersChannel: a membership or read position changed. UserID is
	// the member concerned.
	EventMemberAdded   = "member_added" // MyRoom is the room as the new member sees it
	EventMemberRemoved = "member_removed"
	EventMemberRole    = "member_role" // MyRoom carries the new role
	EventRead          = "read"        // Seq is the new read position
	// EventRoomChanged: the room was renamed, its topic changed, an admin
	// archived or unarchived it (Room is the room after the change), or an
	// admin deleted it (Room is nil). UserID is empty. Instances drop what
	// they cached of the room and tell its subscribers.
	EventRoomChanged = "room_changed"
)

// MembersChannel carries membership changes and read positions to every
// instance: each drops its cached memberships of the room and tells the
// member's connections.
const MembersChannel = "members"

// RoomChannel is the PubSub channel of a room's events.
func RoomChannel(roomID string) string { return "room:" + roomID }

// Event is what travels on a channel, JSON-encoded once by the publisher.
type Event struct {
	Type    string   `json:"type"`
	RoomID  string   `json:"room_id"`
	Message *Message `json:"message,omitempty"`
	User    *UserRef `json:"user,omitempty"`
	Room    *Room    `json:"room,omitempty"`
	// TokenHash names a revoked session (on SessionsChannel).
	TokenHash string `json:"token_hash,omitempty"`
	// UserID, Seq and MyRoom describe member events (on MembersChannel).
	UserID string  `json:"user_id,omitempty"`
	Seq    int64   `json:"seq,omitempty"`
	MyRoom *MyRoom `json:"my_room,omitempty"`
	// Change orders a room's message events (see change.go); Emoji,
	// Count and Added describe a reaction. On a room's message events Seq
	// is the message's, and At a new message's created_at (Unix ns), so
	// that a subscriber needs neither without decoding the message.
	Change int64  `json:"change,omitempty"`
	At     int64  `json:"at,omitempty"`
	Emoji  string `json:"emoji,omitempty"`
	Count  int    `json:"count,omitempty"`
	Added  bool   `json:"added,omitempty"`
}

// EncodeEvent is the one encoding of events.
func EncodeEvent(e Event) ([]byte, error) { return json.Marshal(e) }

// encodeMessageEvent is EncodeEvent for an event whose message is already
// encoded: e without its Message, with raw spliced in as "message".
func encodeMessageEvent(e Event, raw json.RawMessage) ([]byte, error) {
	if e.User == nil && e.Room == nil && e.TokenHash == "" && e.UserID == "" && e.MyRoom == nil {
		return appendMessageEvent(make([]byte, 0, 128+len(raw)), &e, raw), nil
	}
	return spliceMessageEvent(e, raw)
}

// appendMessageEvent is spliceMessageEvent, byte for byte, for an event of
// the fields a room's message events use, without reflection (post
// encodes one per message: pubsub_internal_test.go holds the two equal).
func appendMessageEvent(b []byte, e *Event, raw json.RawMessage) []byte {
	b = append(b, `{"type":`...)
	b = appendJSONString(b, e.Type)
	b = append(b, `,"room_id":`...)
	b = appendJSONString(b, e.RoomID)
	b = appendOmitZero(b, `,"seq":`, e.Seq)
	b = appendOmitZero(b, `,"change":`, e.Change)
	b = appendOmitZero(b, `,"at":`, e.At)
	if e.Emoji != "" {
		b = append(b, `,"emoji":`...)
		b = appendJSONString(b, e.Emoji)
	}
	b = appendOmitZero(b, `,"count":`, int64(e.Count))
	if e.Added {
		b = append(b, `,"added":true`...)
	}
	b = append(b, `,"message":`...)
	b = append(b, raw...)
	return append(b, '}')
}

// spliceMessageEvent encodes e without its Message and splices raw in.
func spliceMessageEvent(e Event, raw json.RawMessage) ([]byte, error) {
	e.Message = nil
	b, err := EncodeEvent(e)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(b)+len(raw)+len(`,"message":`))
	out = append(out, b[:len(b)-1]...) // an object: it ends with '}' and has "type"
	out = append(out, `,"message":`...)
	out = append(out, raw...)
	return append(out, '}'), nil
}

// DecodeEvent is the one decoding of events.
func DecodeEvent(b []byte) (Event, error) {
	var e Event
	err := json.Unmarshal(b, &e)
	return e, err
}

package ws

import (
	"encoding/json"
	"errors"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/open-chat/openchat/internal/chat"
)

// Frame types (docs/protocol.md).
const (
	typeHello       = "hello"
	typeSubscribe   = "subscribe"
	typeSubscribed  = "subscribed"
	typeUnsubscribe = "unsubscribe"
	typeMessage     = "message"
	typeSend        = "send"
	typeAck         = "ack"
	typeTyping      = "typing"
	typePresence    = "presence"
	typePing        = "ping"
	typePong        = "pong"
	typeError       = "error"
)

// Error codes of error frames besides the chat codes.
const (
	codeBadFrame         = "bad_frame"              // malformed or unknown frame
	codeNotSubscribed    = "not_subscribed"         // typing/unsubscribe for a room not subscribed
	codeTooManyRooms     = "too_many_subscriptions" // Config.MaxSubscriptions reached
	eventPresenceChanged = "presence"               // hub-to-hub event: a room's local presence set changed
)

// clientFrame is any frame a client sends; fields not used by Type are
// ignored. read decodes it; the json tags are the names it must agree with
// (FuzzObjReader compares the two).
type clientFrame struct {
	Type        string `json:"type"`
	RoomID      string `json:"room_id"`
	AfterSeq    *int64 `json:"after_seq"`
	AfterChange *int64 `json:"after_change"`
	Body        string `json:"body"`
	ClientID    string `json:"client_id"`
	Ref         string `json:"ref"`
}

// read decodes b into f as json.Unmarshal would (objReader), without its
// allocations: a frame costs only the strings it carries.
func (f *clientFrame) read(b []byte) error {
	r := objReader{b: b}
	if r.open() {
		for k := r.next(); k != nil; k = r.next() {
			switch fieldOf(k, "type", "room_id", "after_seq", "after_change", "body", "client_id", "ref") {
			case "type":
				r.readString(&f.Type, typeSend, typeSubscribe, typeUnsubscribe, typeTyping, typePing)
			case "room_id":
				r.readString(&f.RoomID)
			case "after_seq":
				r.readInt64Ptr(&f.AfterSeq)
			case "after_change":
				r.readInt64Ptr(&f.AfterChange)
			case "body":
				r.readString(&f.Body)
			case "client_id":
				r.readString(&f.ClientID)
			case "ref":
				r.readString(&f.Ref)
			default:
				r.skip()
			}
		}
	}
	return r.close()
}

func badFrame(msg string) error { return &chat.Error{Code: codeBadFrame, Message: msg} }

// decodeFrame parses and checks a client frame. On error the frame holds
// whatever could be read (its Ref, to echo in the error frame).
func decodeFrame(b []byte) (clientFrame, error) {
	var f clientFrame
	if !utf8.Valid(b) {
		return f, badFrame("frame is not valid UTF-8")
	}
	if err := f.read(b); err != nil {
		return clientFrame{}, badFrame("frame is not a JSON object of the expected shape")
	}
	if len(f.Ref) > maxIDLen {
		f.Ref = ""
		return f, badFrame("ref is too long")
	}
	if len(f.RoomID) > maxIDLen {
		return f, badFrame("room_id is too long")
	}
	needRoom := func() error {
		if f.RoomID == "" {
			return badFrame("room_id is required")
		}
		return nil
	}
	switch f.Type {
	case typeSubscribe:
		if f.AfterSeq != nil && *f.AfterSeq < 0 {
			return f, badFrame("after_seq must be >= 0")
		}
		if f.AfterChange != nil && *f.AfterChange < 0 {
			return f, badFrame("after_change must be >= 0")
		}
		if f.AfterSeq != nil && f.AfterChange != nil {
			return f, badFrame("use either after_seq or after_change, not both")
		}
		return f, needRoom()
	case typeUnsubscribe, typeTyping:
		return f, needRoom()
	case typeSend:
		if err := needRoom(); err != nil {
			return f, err
		}
		if f.Body == "" {
			return f, badFrame("body is required")
		}
		return f, nil
	case typePing:
		return f, nil
	case "":
		return f, badFrame("type is required")
	default:
		return f, badFrame("unknown frame type")
	}
}

// Server frames. Each is encoded once, then its bytes are shared.
type (
	helloFrame struct {
		Type     string    `json:"type"`
		Instance string    `json:"instance"`
		User     chat.User `json:"user"`
	}
	subscribedFrame struct {
		Type       string `json:"type"`
		RoomID     string `json:"room_id"`
		LastSeq    int64  `json:"last_seq"`
		LastChange int64  `json:"last_change"`
		Truncated  bool   `json:"truncated,omitempty"`
	}
	typingFrame struct {
		Type   string       `json:"type"`
		RoomID string       `json:"room_id"`
		User   chat.UserRef `json:"user"`
	}
	presenceFrame struct {
		Type   string         `json:"type"`
		RoomID string         `json:"room_id"`
		Online []chat.UserRef `json:"online"`
		Count  int            `json:"count"`
	}
	errorFrame struct {
		Type    string `json:"type"`
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field,omitempty"`
		Ref     string `json:"ref,omitempty"`
		// RetryAfterMS: in rate_limited errors, when the next try may succeed.
		RetryAfterMS int64 `json:"retry_after_ms,omitempty"`
	}
)

var pongBytes = []byte(`{"type":"pong"}`)

// appendASCIIString appends s as a JSON string. For printable ASCII, Go's
// quoting is JSON's (only " and \ are escaped) and costs no reflection;
// anything else goes through encoding/json.
func appendASCIIString(b []byte, s string) []byte {
	for i := range len(s) {
		if s[i] < 0x20 || s[i] > 0x7e {
			return append(b, encode(s)...)
		}
	}
	return strconv.AppendQuote(b, s)
}

// ackFrameRaw is the ack of a send: clientID (printable ASCII, see
// chat.ValidateClientID) and the message as the service encoded it for its
// event, wrapped without decoding and encoding it again.
func ackFrameRaw(clientID string, message []byte) []byte {
	b := make([]byte, 0, len(message)+len(clientID)+48)
	b = append(b, `{"type":"`+typeAck+`","client_id":`...)
	b = appendASCIIString(b, clientID)
	b = append(b, `,"message":`...)
	b = append(b, message...)
	return append(b, '}')
}

// encode marshals a server frame. Frames are plain structs of strings and
// numbers, so an error is a bug; it becomes an internal error frame.
func encode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		return []byte(`{"type":"error","code":"internal","message":"internal error"}`)
	}
	return b
}

func encodeError(err error, ref string) []byte {
	f := errorFrame{Type: typeError, Code: chat.ErrorCode(err),
		Message: chat.ErrorMessage(err), Field: chat.ErrorField(err), Ref: ref}
	var limited *chat.RateLimitError
	if errors.As(err, &limited) {
		f.RetryAfterMS = max(1, (limited.Decision.RetryAfter + time.Millisecond - 1).Milliseconds())
	}
	return encode(f)
}

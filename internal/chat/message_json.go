package chat

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// messageJSON returns m's encoding: the bytes json.Marshal writes for m
// (message_json_internal_test.go holds it to that: every field, and fuzzed).
// Every post, page and cache fill encodes messages, and reflection made
// json.Marshal about 7 % of the server's CPU in ingest
// (docs/performance.md, "Encoding a message by hand").
func messageJSON(m *Message) json.RawMessage {
	// The names and punctuation of a message without reactions or
	// attachments take about 250 bytes; its ids and time, about 140.
	n := 400 + len(m.Body) + len(m.Author.Username) + len(m.Author.DisplayName) + len(m.ClientID)
	return appendMessageJSON(make([]byte, 0, n), m)
}

func appendMessageJSON(b []byte, m *Message) []byte {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, m.ID)
	b = append(b, `,"room_id":`...)
	b = appendJSONString(b, m.RoomID)
	b = append(b, `,"seq":`...)
	b = strconv.AppendInt(b, m.Seq, 10)
	b = append(b, `,"author":{"id":`...)
	b = appendJSONString(b, m.Author.ID)
	b = append(b, `,"username":`...)
	b = appendJSONString(b, m.Author.Username)
	b = append(b, `,"display_name":`...)
	b = appendJSONString(b, m.Author.DisplayName)
	b = append(b, `},"body":`...)
	b = appendJSONString(b, m.Body)
	b = append(b, `,"created_at":`...)
	b = appendJSONTime(b, m.CreatedAt)
	if m.ClientID != "" {
		b = append(b, `,"client_id":`...)
		b = appendJSONString(b, m.ClientID)
	}
	b = append(b, `,"mentions":`...)
	b = appendJSONList(b, m.Mentions, appendJSONStringAt)
	b = append(b, `,"change":`...)
	b = strconv.AppendInt(b, m.Change, 10)
	if m.EditedAt != nil {
		b = append(b, `,"edited_at":`...)
		b = appendJSONTime(b, *m.EditedAt)
	}
	if m.Deleted {
		b = append(b, `,"deleted":true`...)
	}
	b = append(b, `,"reactions":`...)
	b = appendJSONList(b, m.Reactions, appendReactionJSON)
	b = appendOmitZero(b, `,"reply_to":`, m.ReplyTo)
	if m.AlsoToRoom {
		b = append(b, `,"also_to_room":true`...)
	}
	b = appendOmitZero(b, `,"reply_count":`, int64(m.ReplyCount))
	if m.LastReplyAt != nil {
		b = append(b, `,"last_reply_at":`...)
		b = appendJSONTime(b, *m.LastReplyAt)
	}
	b = append(b, `,"attachments":`...)
	b = appendJSONList(b, m.Attachments, appendUploadJSON)
	return append(b, '}')
}

func appendReactionJSON(b []byte, r *Reaction) []byte {
	b = append(b, `{"emoji":`...)
	b = appendJSONString(b, r.Emoji)
	b = append(b, `,"count":`...)
	b = strconv.AppendInt(b, int64(r.Count), 10)
	if r.Me {
		b = append(b, `,"me":true`...)
	}
	b = append(b, `,"user_ids":`...)
	b = appendJSONList(b, r.UserIDs, appendJSONStringAt)
	return append(b, '}')
}

func appendUploadJSON(b []byte, u *Upload) []byte {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, u.ID)
	b = append(b, `,"name":`...)
	b = appendJSONString(b, u.Name)
	b = append(b, `,"size":`...)
	b = strconv.AppendInt(b, u.Size, 10)
	b = append(b, `,"content_type":`...)
	b = appendJSONString(b, u.ContentType)
	b = append(b, `,"width":`...)
	b = strconv.AppendInt(b, int64(u.Width), 10)
	b = append(b, `,"height":`...)
	b = strconv.AppendInt(b, int64(u.Height), 10)
	b = append(b, `,"url":`...)
	b = appendJSONString(b, u.URL)
	b = append(b, `,"thumb_url":`...)
	b = appendJSONString(b, u.ThumbURL)
	return append(b, '}')
}

// appendJSONTime appends t quoted in TimeLayout, in UTC (Time.MarshalJSON),
// digit by digit: time.AppendFormat was a fifth of a message's encoding. A
// year outside 0–9999 takes AppendFormat's way.
func appendJSONTime(b []byte, t Time) []byte {
	u := t.UTC()
	year, month, day := u.Date()
	if year < 0 || year > 9999 {
		b = append(b, '"')
		b = u.AppendFormat(b, TimeLayout)
		return append(b, '"')
	}
	hour, minute, sec := u.Clock()
	b = append(b, '"')
	b = appendDigits(b, year, 4)
	b = append(b, '-')
	b = appendDigits(b, int(month), 2)
	b = append(b, '-')
	b = appendDigits(b, day, 2)
	b = append(b, 'T')
	b = appendDigits(b, hour, 2)
	b = append(b, ':')
	b = appendDigits(b, minute, 2)
	b = append(b, ':')
	b = appendDigits(b, sec, 2)
	b = append(b, '.')
	b = appendDigits(b, u.Nanosecond()/1e6, 3)
	return append(b, 'Z', '"')
}

// appendDigits appends v (0 ≤ v < 10^width) in width digits, zero-padded.
func appendDigits(b []byte, v, width int) []byte {
	n := len(b)
	b = append(b, make([]byte, width)...) // extends b: the compiler makes no slice for it
	for i := n + width - 1; i >= n; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return b
}

// appendJSONList appends xs as json.Marshal writes a slice: null when
// nil, else each item as item appends it.
func appendJSONList[T any](b []byte, xs []T, item func([]byte, *T) []byte) []byte {
	if xs == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		b = item(b, &xs[i])
	}
	return append(b, ']')
}

// appendJSONStringAt is appendJSONString for appendJSONList.
func appendJSONStringAt(b []byte, s *string) []byte { return appendJSONString(b, *s) }

// appendOmitZero appends an integer field (name is `,"name":`) unless it
// is 0, as omitempty does.
func appendOmitZero(b []byte, name string, v int64) []byte {
	if v == 0 {
		return b
	}
	return strconv.AppendInt(append(b, name...), v, 10)
}

// jsonSafe holds the ASCII bytes a JSON string holds as they are.
var jsonSafe = func() (safe [utf8.RuneSelf]bool) {
	for c := byte(0x20); c < utf8.RuneSelf; c++ {
		safe[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return safe
}()

// appendJSONString appends s quoted as json.Marshal quotes it: <, > and &
// escaped for HTML, control characters as \b \f \n \r \t or \u00XX,
// U+2028 and U+2029 escaped, invalid UTF-8 as U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, `\b`...)
			case '\f':
				b = append(b, `\f`...)
			case '\n':
				b = append(b, `\n`...)
			case '\r':
				b = append(b, `\r`...)
			case '\t':
				b = append(b, `\t`...)
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

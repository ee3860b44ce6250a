package chat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
)

// PageJSON is a Page whose messages are already encoded. A latest page
// served from a cache that stores JSON reaches the client without being
// decoded and encoded again: on loopback that round trip cost more than
// the PostgreSQL query the cache saves (docs/performance.md).
type PageJSON struct {
	Messages []json.RawMessage
	HasMore  bool
}

// AppendJSON appends p's encoding: the bytes json.Marshal writes for the
// equivalent Page.
func (p PageJSON) AppendJSON(b []byte) []byte {
	n := len(`{"messages":[],"has_more":false}`) + len(p.Messages)
	for _, m := range p.Messages {
		n += len(m)
	}
	b = slices.Grow(b, n)
	b = append(b, `{"messages":[`...)
	for i, m := range p.Messages {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, m...)
	}
	b = append(b, `],"has_more":`...)
	b = strconv.AppendBool(b, p.HasMore)
	return append(b, '}')
}

// EncodeMessage returns a message's shared encoding, the form caches
// store: every reader's "me" cleared, so the bytes can go to any reader
// that has not reacted (see personalJSON).
func EncodeMessage(m Message) json.RawMessage {
	if len(m.Reactions) > 0 {
		rs := make([]Reaction, len(m.Reactions))
		for i, r := range m.Reactions {
			r.Me = false
			rs[i] = r
		}
		m.Reactions = rs
	}
	return messageJSON(&m)
}

// EncodeMessages is EncodeMessage for each of msgs.
func EncodeMessages(msgs []Message) []json.RawMessage {
	out := make([]json.RawMessage, len(msgs))
	for i, m := range msgs {
		out[i] = EncodeMessage(m)
	}
	return out
}

// reactionsMarker starts the reactions of a message that has any. An
// unescaped quote cannot occur inside a JSON string, so the marker cannot
// be matched by a body; Message has no other field of that name.
var reactionsMarker = []byte(`"reactions":[{`)

// personalJSON returns a message's shared encoding as userID should see
// it. Only a reaction by userID differs ("me": true), and it needs both
// reactions and userID's quoted ID in the bytes; anything else (most
// messages) passes through as stored. A false match (the ID as an author
// or in a body) only costs a decode.
func personalJSON(raw json.RawMessage, userID string, quotedUserID []byte) (json.RawMessage, error) {
	if !bytes.Contains(raw, reactionsMarker) || !bytes.Contains(raw, quotedUserID) {
		return raw, nil
	}
	var m Message
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("decode cached message: %w", err)
	}
	m = ForReader(m, userID)
	return messageJSON(&m), nil
}

// firstSeq reads the seq of an encoded message.
func firstSeq(raw json.RawMessage) (int64, error) {
	var m struct {
		Seq int64 `json:"seq"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return 0, fmt.Errorf("decode cached message: %w", err)
	}
	return m.Seq, nil
}

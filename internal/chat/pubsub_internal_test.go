package chat

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

func TestEncodeMessageEvent(t *testing.T) {
	m := Message{ID: "m1", RoomID: "r1", Seq: 3, Author: UserRef{ID: "u1", Username: "ana"}, Body: `"<b>" & \ ñ`,
		Mentions: []string{"bob"}, Change: 7, Reactions: []Reaction{}, Attachments: []Upload{}}
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		e    Event
	}{
		{"message", Event{Type: EventMessage, RoomID: "r1", Change: 7}},
		{"updated", Event{Type: EventMessageUpdated, RoomID: "r1", Change: 8}},
		{"fields of other events kept", Event{Type: EventMessage, RoomID: "r1", Seq: 3, UserID: "u1", Change: 9}},
		{"a message already set is replaced", Event{Type: EventMessage, RoomID: "r1", Message: &Message{ID: "stale"}, Change: 7}},
		{"a new message's", Event{Type: EventMessage, RoomID: "r1", Seq: 3, Change: 7, At: 1764892800123000000}},
		{"reaction fields", Event{Type: "reaction", RoomID: "r<1>", Seq: -3, Emoji: "👍&", Count: 2, Added: true}},
		{"zeros omitted", Event{Type: "", RoomID: ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := encodeMessageEvent(tt.e, raw)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.e
			want.Message = &m
			wantBytes, err := EncodeEvent(want)
			if err != nil {
				t.Fatal(err)
			}
			g, err := DecodeEvent(got)
			if err != nil {
				t.Fatalf("decode %s: %v", got, err)
			}
			if spliced, err := spliceMessageEvent(tt.e, raw); err != nil || !bytes.Equal(got, spliced) {
				t.Errorf("encoded %s\n spliced %s (%v)", got, spliced, err)
			}
			if n := bytes.Count(got, []byte(`"message":`)); n != 1 {
				t.Errorf("%s has %d messages", got, n)
			}
			w, _ := DecodeEvent(wantBytes)
			if !reflect.DeepEqual(g, w) {
				t.Errorf("spliced %s\ndecodes unlike encoded %s", got, wantBytes)
			}
		})
	}
}

// TestEncodeMessageEventEveryField sets each of Event's fields in turn by
// reflection: a field added to Event that the hand-written encoding would
// drop fails here.
func TestEncodeMessageEventEveryField(t *testing.T) {
	raw := json.RawMessage(`{"id":"m1"}`)
	for i := range reflect.TypeFor[Event]().NumField() {
		var e Event
		f := reflect.ValueOf(&e).Elem().Field(i)
		if reflect.TypeFor[Event]().Field(i).Name == "Message" {
			continue // replaced by raw
		}
		fillFields(t, f)
		got, err := encodeMessageEvent(e, raw)
		if err != nil {
			t.Fatal(err)
		}
		if want, err := spliceMessageEvent(e, raw); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s set: encoded %s\n spliced %s (%v)", reflect.TypeFor[Event]().Field(i).Name, got, want, err)
		}
	}
}

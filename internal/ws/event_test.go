package ws

import (
	"encoding/json"
	"testing"

	"github.com/open-chat/openchat/internal/chat"
)

// The hub takes a message event's seq and time from the event; an event of
// an earlier version carries them only in its message, which is decoded
// for them. Either way the item is the same.
func TestRoomEventDecoding(t *testing.T) {
	m := benchMessage()
	m.Change = 7
	tests := []struct {
		name    string
		ev      chat.Event
		wantAt  int64
		wantNil bool // no item: no change number
	}{
		{"message", chat.Event{Type: chat.EventMessage, Seq: m.Seq, At: m.CreatedAt.UnixNano(), Change: 7, Message: &m}, m.CreatedAt.UnixNano(), false},
		{"message of an earlier version", chat.Event{Type: chat.EventMessage, Change: 7, Message: &m}, m.CreatedAt.UnixNano(), false},
		{"update", chat.Event{Type: chat.EventMessageUpdated, Seq: m.Seq, Change: 7, Message: &m}, 0, false},
		{"update of an earlier version", chat.Event{Type: chat.EventMessageUpdated, Change: 7, Message: &m}, 0, false},
		{"deleted", chat.Event{Type: chat.EventMessageDeleted, Seq: m.Seq, Change: 7, Message: &m}, 0, false},
		{"without a change number", chat.Event{Type: chat.EventMessage, Seq: m.Seq, Message: &m}, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := chat.EncodeEvent(tt.ev)
			if err != nil {
				t.Fatal(err)
			}
			ev, err := decodeRoomEvent(b)
			if err != nil {
				t.Fatal(err)
			}
			it, ok := eventItem(m.RoomID, &ev)
			if ok == tt.wantNil {
				t.Fatalf("item: ok=%v", ok)
			}
			if !ok {
				return
			}
			if it.seq != m.Seq || it.change != 7 || it.prev != 6 || it.at != tt.wantAt || it.kind != tt.ev.Type {
				t.Errorf("item seq=%d change=%d prev=%d at=%d kind=%s, want seq=%d change=7 prev=6 at=%d kind=%s",
					it.seq, it.change, it.prev, it.at, it.kind, m.Seq, tt.wantAt, tt.ev.Type)
			}
			var f struct {
				Type    string       `json:"type"`
				Change  int64        `json:"change"`
				Message chat.Message `json:"message"`
			}
			if err := json.Unmarshal(it.frame, &f); err != nil {
				t.Fatalf("frame %s: %v", it.frame, err)
			}
			if f.Type != tt.ev.Type || f.Change != 7 || f.Message.ID != m.ID || f.Message.Seq != m.Seq {
				t.Errorf("frame %s", it.frame)
			}
		})
	}
}

// BenchmarkRoomEvent: a published message event to the item every
// subscriber is sent, with the seq and time beside the message (now) and
// only inside it (an earlier version's event).
func BenchmarkRoomEvent(b *testing.B) {
	m := benchMessage()
	for _, bc := range []struct {
		name string
		ev   chat.Event
	}{
		{"event", chat.Event{Type: chat.EventMessage, Seq: m.Seq, At: m.CreatedAt.UnixNano(), Change: 7, Message: &m}},
		{"inMessage", chat.Event{Type: chat.EventMessage, Change: 7, Message: &m}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			p, err := chat.EncodeEvent(bc.ev)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				ev, err := decodeRoomEvent(p)
				if err != nil {
					b.Fatal(err)
				}
				if _, ok := eventItem(m.RoomID, &ev); !ok {
					b.Fatal("no item")
				}
			}
		})
	}
}

package chat_test

import (
	"context"
	"testing"

	"github.com/open-chat/openchat/internal/chat"
)

// TestMessageEventsCarrySeq: every event of a message's change names the
// message's seq beside it, and a new message's its created_at, so that
// the hubs of every instance need not decode the message for them.
func TestMessageEventsCarrySeq(t *testing.T) {
	ctx := context.Background()
	var ps chat.PubSub
	e := newEnvFiles(t, nil, chat.FilesConfig{}, func(d *chat.Deps) { ps = d.PubSub })
	got := make(chan []byte, 10)
	unsub, err := ps.Subscribe(ctx, chat.RoomChannel(e.room.ID), func(b []byte) { got <- b })
	if err != nil {
		t.Fatal(err)
	}
	defer unsub()
	m, _, err := e.svc.Post(ctx, e.user, chat.Post{RoomID: e.room.ID, Body: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := e.svc.Post(ctx, e.user, chat.Post{RoomID: e.room.ID, Body: "a reply", ReplyTo: &m.Seq})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.EditMessage(ctx, e.user, e.room.ID, m.Seq, "hello again"); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.React(ctx, e.user, e.room.ID, m.Seq, "👍", true); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.DeleteMessage(ctx, e.user, e.room.ID, m.Seq); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		typ string
		seq int64
		at  int64
	}{
		{chat.EventMessage, m.Seq, m.CreatedAt.UnixNano()},
		{chat.EventMessage, r.Seq, r.CreatedAt.UnixNano()},
		{chat.EventMessageUpdated, m.Seq, 0}, // the parent's reply count
		{chat.EventMessageUpdated, m.Seq, 0}, // the edit
		{chat.EventReaction, m.Seq, 0},
		{chat.EventMessageDeleted, m.Seq, 0},
	}
	for i, w := range want {
		var b []byte
		select {
		case b = <-got:
		default:
			t.Fatalf("event %d (%s) not published", i, w.typ)
		}
		ev, err := chat.DecodeEvent(b)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Type != w.typ || ev.Seq != w.seq || ev.At != w.at {
			t.Errorf("event %d: %s seq=%d at=%d, want %s seq=%d at=%d", i, ev.Type, ev.Seq, ev.At, w.typ, w.seq, w.at)
		}
	}
}

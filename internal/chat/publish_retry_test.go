package chat_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/open-chat/openchat/internal/chat"
)

// flakyPubSub fails the next fails publishes on one channel and counts
// the attempts there.
type flakyPubSub struct {
	chat.PubSub
	mu       sync.Mutex
	channel  string
	fails    int
	attempts int
}

func (p *flakyPubSub) Publish(ctx context.Context, channel string, b []byte) error {
	p.mu.Lock()
	if channel != p.channel {
		p.mu.Unlock()
		return p.PubSub.Publish(ctx, channel, b)
	}
	p.attempts++
	fail := p.fails > 0
	if fail {
		p.fails--
	}
	p.mu.Unlock()
	if fail {
		return errors.New("broker timeout")
	}
	return p.PubSub.Publish(ctx, channel, b)
}

func (p *flakyPubSub) arm(channel string, fails int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.channel, p.fails, p.attempts = channel, fails, 0
}

func (p *flakyPubSub) tries() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.attempts
}

// TestPublishRetry: a change event (a post) or a session eviction whose
// publish fails is published again in the background until it gets
// through, at most PublishRetries times; other events (typing) are not.
func TestPublishRetry(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name      string
		session   bool // the event is a sign-out's eviction, else on the room's channel
		act       func(t *testing.T, e *env)
		fails     int
		attempts  int  // publishes of it in all
		delivered bool // it reached the channel's subscribers
	}{
		{"a post, failing once", false, actPost, 1, 2, true},
		{"a post, failing past the retries", false, actPost, 10, 1 + chat.PublishRetries, false},
		{"a sign-out, failing once", true, actSignOut, 1, 2, true},
		{"typing, failing once", false, actTyping, 1, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var ps *flakyPubSub
			e := newEnvFiles(t, nil, chat.FilesConfig{}, func(d *chat.Deps) { ps = &flakyPubSub{PubSub: d.PubSub}; d.PubSub = ps })
			channel := chat.RoomChannel(e.room.ID)
			if tc.session {
				channel = chat.SessionsChannel
			}
			got := make(chan []byte, 10)
			unsub, err := ps.Subscribe(ctx, channel, func(b []byte) { got <- b })
			if err != nil {
				t.Fatal(err)
			}
			defer unsub()
			ps.arm(channel, tc.fails)
			tc.act(t, e)
			e.svc.WaitBackground() // every retry done
			n := len(got)
			if delivered := n > 0; delivered != tc.delivered || n > 1 {
				t.Errorf("delivered %d times, want delivered: %v (once)", n, tc.delivered)
			}
			if a := ps.tries(); a != tc.attempts {
				t.Errorf("%d publishes, want %d", a, tc.attempts)
			}
		})
	}
}

func actPost(t *testing.T, e *env) {
	if _, _, err := e.svc.PostMessage(context.Background(), e.user, e.room.ID, "hello", ""); err != nil {
		t.Fatal(err)
	}
}

func actTyping(t *testing.T, e *env) {
	if err := e.svc.Typing(context.Background(), e.user, e.room.ID); err != nil {
		t.Fatal(err)
	}
}

func actSignOut(t *testing.T, e *env) {
	token, _, err := e.svc.SignIn(context.Background(), "ada", "correct horse", chat.Client{})
	if err == nil {
		err = e.svc.SignOut(context.Background(), token)
	}
	if err != nil {
		t.Fatal(err)
	}
}

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
	m, _, err := e.svc.PostMessage(ctx, e.user, e.room.ID, "hello", "")
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := e.svc.Reply(ctx, e.user, e.room.ID, m.Seq, false, "a reply", "")
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

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
	if _, _, err := e.svc.Post(context.Background(), e.user, chat.Post{RoomID: e.room.ID, Body: "hello"}); err != nil {
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

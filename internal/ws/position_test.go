package ws

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/memory"
)

// losingPubSub reports room publishes as sent but drops them while lose is
// set: a broker that loses a message without a disconnect, or a publish
// whose retries all failed.
type losingPubSub struct {
	chat.PubSub
	lose atomic.Bool
}

func (p *losingPubSub) Publish(ctx context.Context, channel string, payload []byte) error {
	if p.lose.Load() && strings.HasPrefix(channel, chat.RoomChannel("")) {
		return nil
	}
	return p.PubSub.Publish(ctx, channel, payload)
}

// TestPositionCheck: a message whose publish was lost reaches a live
// subscriber through the position check, without waiting for the room's
// next change, and a room that is not behind is never read.
func TestPositionCheck(t *testing.T) {
	for _, tc := range []struct {
		name  string
		check time.Duration
	}{
		{"checked", 20 * time.Millisecond},
		{"not checked", -1}, // the lost message waits for the next change
	} {
		t.Run(tc.name, func(t *testing.T) {
			mps := memory.NewPubSub()
			t.Cleanup(func() { _ = mps.Close() })
			ps := &losingPubSub{PubSub: mps}
			e := newEnv(t, envOpts{cfg: Config{PositionCheck: tc.check}, ps: ps})
			e.signUp("alice", "bob")
			room := e.room("general")
			b := e.dial("bob", dialOpts{})
			b.subscribe(room, nil)
			seen := e.post(room, "alice", "seen")
			checkSeqs(t, "bob", b.messages(room, 1), seen.Seq, seen.Seq)
			time.Sleep(10 * max(tc.check, 0)) // checks that find nothing behind
			if n := e.metrics.fillsOf(chat.HubFillBehind) + e.metrics.fillsOf(chat.HubFillGap); n != 0 {
				t.Fatalf("%d fills of a room that is not behind", n)
			}

			ps.lose.Store(true)
			lost := e.post(room, "alice", "lost")
			ps.lose.Store(false)
			if tc.check > 0 {
				checkSeqs(t, "bob", b.messages(room, 1), lost.Seq, lost.Seq)
				if n := e.metrics.fillsOf(chat.HubFillBehind); n != 1 {
					t.Errorf("%d fills counted behind, want 1", n)
				}
			} else {
				b.quiet(200*time.Millisecond, typeMessage)
			}
			next := e.post(room, "alice", "next")
			from := next.Seq
			if tc.check < 0 {
				from = lost.Seq // the gap brings the lost one now
			}
			checkSeqs(t, "bob", b.messages(room, int(next.Seq-from+1)), from, next.Seq)
			b.quiet(50*time.Millisecond, typeMessage)
		})
	}
}

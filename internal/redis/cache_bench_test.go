package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/redis/redistest"
)

// BenchmarkLatestPage: the work of serving a cached latest page of 50
// messages, Redis round trip included. "decode" is what the HTTP API did
// before (decode the stored JSON, encode the page again); "passthrough"
// hands the stored bytes on (chat.PageJSON). See docs/performance.md.
func BenchmarkLatestPage(b *testing.B) {
	url, prefix := redistest.URL(b)
	c := open(b, url, Options{Prefix: prefix, MessagesPerRoom: 50, Timeout: 5 * time.Second}).Cache()
	ctx, room := context.Background(), chat.NewID()
	msgs := make([]chat.Message, 50)
	for i := range msgs {
		msgs[i] = chat.Message{ID: chat.NewID(), RoomID: room, Seq: int64(i + 1), Change: int64(i + 1),
			Author: chat.UserRef{ID: chat.NewID(), Username: "ada"}, Mentions: []string{},
			Body: fmt.Sprintf("message %d, with some text of a usual length for a chat line", i), Reactions: []chat.Reaction{}}
	}
	if err := c.FillMessages(ctx, room, msgs); err != nil {
		b.Fatal(err)
	}
	b.Run("decode", func(b *testing.B) {
		for b.Loop() {
			got, ok, err := c.LatestMessages(ctx, room, 50)
			if err != nil || !ok {
				b.Fatal(ok, err)
			}
			if _, err := json.Marshal(chat.Page{Messages: got, HasMore: got[0].Seq > 1}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("passthrough", func(b *testing.B) {
		for b.Loop() {
			raw, ok, err := c.LatestMessagesJSON(ctx, room, 50)
			if err != nil || !ok {
				b.Fatal(ok, err)
			}
			_ = chat.PageJSON{Messages: raw}.AppendJSON(nil)
		}
	})
}

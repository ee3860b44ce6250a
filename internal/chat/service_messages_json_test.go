package chat_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/open-chat/openchat/internal/chat"
)

// TestMessagesJSON: every page MessagesJSON serves, from the cache's bytes
// or not, is byte for byte the encoding of the page Messages decodes, for
// each reader's own "me": a reader who reacted, one who did not, and an
// author whose ID is in the message anyway.
func TestMessagesJSON(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	users := []chat.User{e.user}
	for _, name := range []string{"bob", "cyd"} {
		u, err := e.svc.SignUp(ctx, chat.SignUpInput{Username: name, Email: name + "@example.org", Password: "correct horse"})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.AddMember(ctx, e.user, e.room.ID, u.ID); err != nil {
			t.Fatal(err)
		}
		users = append(users, u)
	}
	ada, bob := users[0], users[1]
	bodies := []string{"one", `"reactions":[{ ` + ada.ID, "three", "four"}
	for i, body := range bodies {
		if _, _, err := e.svc.Post(ctx, users[i%2], chat.Post{RoomID: e.room.ID, Body: body}); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range []struct {
		u     chat.User
		seq   int64
		emoji string
	}{{ada, 1, "👍"}, {bob, 1, "👍"}, {bob, 2, "🎉"}, {ada, 3, "🎉"}, {bob, 3, "👍"}} {
		if err := e.svc.React(ctx, r.u, e.room.ID, r.seq, r.emoji, true); err != nil {
			t.Fatal(err)
		}
	}
	queries := []chat.MessageQuery{{}, {Limit: 2}, {Before: 3, Limit: 1}, {After: 1, Limit: 2}, {Limit: 100}}
	for round := range 2 { // the first reads fill the cache, the second hit it
		hits := e.metrics.get("messages/hit")
		for _, u := range users {
			for _, q := range queries {
				got, err := e.svc.MessagesJSON(ctx, u, e.room.ID, q)
				if err != nil {
					t.Fatal(err)
				}
				ref, err := e.svc.Messages(ctx, u, e.room.ID, q)
				if err != nil {
					t.Fatal(err)
				}
				want, err := json.Marshal(ref)
				if err != nil {
					t.Fatal(err)
				}
				if g := got.AppendJSON(nil); string(g) != string(want) {
					t.Errorf("round %d, %s, %+v:\n got %s\nwant %s", round, u.Username, q, g, want)
				}
			}
		}
		if round == 1 && e.metrics.get("messages/hit") <= hits {
			t.Errorf("second round: no cache hits")
		}
	}
	if _, err := e.svc.MessagesJSON(ctx, ada, "no-such-room", chat.MessageQuery{}); chat.ErrorCode(err) != chat.ENOTFOUND {
		t.Errorf("unknown room: %v, want ENOTFOUND", err)
	}
}

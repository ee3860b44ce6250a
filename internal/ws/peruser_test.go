package ws

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/open-chat/openchat/internal/chat"
)

// A user over Config.MaxPerUser gets 429 with the JSON error body; other
// users are not affected, and a closed connection frees its place.
func TestMaxPerUser(t *testing.T) {
	e := newEnv(t, envOpts{cfg: Config{MaxPerUser: 2}})
	e.signUp("alice", "bob")
	first := e.dial("alice", dialOpts{})
	e.dial("alice", dialOpts{})
	_, resp, err := e.tryDial("alice", dialOpts{})
	if err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("third connection: %v %v, want 429", err, resp)
	}
	var body struct {
		Error struct{ Code, Message string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Error.Code != chat.ERATELIMITED || body.Error.Message == "" {
		t.Fatalf("429 body: %+v %v", body, err)
	}
	e.dial("bob", dialOpts{}).expect(typeHello)
	_ = first.c.CloseNow()
	waitFor(t, "alice's place freed", func() bool {
		cl, _, err := e.tryDial("alice", dialOpts{})
		if err == nil {
			_ = cl.c.CloseNow()
		}
		return err == nil
	})
}

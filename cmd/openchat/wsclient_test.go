package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/open-chat/openchat/internal/chat"
)

// frame is any server frame, decoded loosely.
type frame struct {
	Type      string          `json:"type"`
	RoomID    string          `json:"room_id"`
	LastSeq   int64           `json:"last_seq"`
	Truncated bool            `json:"truncated"`
	ClientID  string          `json:"client_id"`
	Raw       json.RawMessage `json:"message"` // an object in message/ack frames, a string in error frames
	Message   *chat.Message   `json:"-"`
	Code      string          `json:"code"`
	Instance  string          `json:"instance"`
}

// wsClient is a protocol client for tests: frames arrive on C.
type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
	C    chan frame
	done chan struct{}
}

func dialWS(t *testing.T, base, token string) *wsClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	u := strings.Replace(base, "http", "ws", 1) + "/api/v1/ws"
	conn, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + token}}})
	if err != nil {
		t.Fatalf("dial %s: %v", u, err)
	}
	conn.SetReadLimit(1 << 20)
	c := &wsClient{t: t, conn: conn, C: make(chan frame, 10000), done: make(chan struct{})}
	go func() {
		defer close(c.done)
		defer close(c.C)
		for {
			_, b, err := conn.Read(context.Background())
			if err != nil {
				return
			}
			var f frame
			if err := json.Unmarshal(b, &f); err != nil {
				t.Errorf("bad frame %s: %v", b, err)
				return
			}
			if f.Type == "message" || f.Type == "ack" {
				f.Message = new(chat.Message)
				if err := json.Unmarshal(f.Raw, f.Message); err != nil {
					t.Errorf("bad message in %s: %v", b, err)
					return
				}
			}
			c.C <- f
		}
	}()
	t.Cleanup(c.close)
	if f := c.next("hello"); f.Instance == "" {
		t.Fatalf("hello without instance: %+v", f)
	}
	return c
}

func (c *wsClient) close() {
	c.conn.Close(websocket.StatusNormalClosure, "")
	<-c.done
}

func (c *wsClient) send(v any) {
	c.t.Helper()
	b, _ := json.Marshal(v)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, b); err != nil {
		c.t.Fatalf("ws write: %v", err)
	}
}

// next returns the next frame of the given type, skipping presence and
// typing frames; any other type is a failure.
func (c *wsClient) next(typ string) frame {
	c.t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		select {
		case f, ok := <-c.C:
			if !ok {
				c.t.Fatalf("connection closed while waiting for %q", typ)
			}
			if f.Type == typ {
				return f
			}
			if f.Type != "presence" && f.Type != "typing" && f.Type != "room_added" && f.Type != "read" {
				c.t.Fatalf("got %q frame %+v while waiting for %q", f.Type, f, typ)
			}
		case <-timeout:
			c.t.Fatalf("timeout waiting for %q", typ)
		}
	}
}

func (c *wsClient) subscribe(roomID string, after *int64) frame {
	c.t.Helper()
	m := map[string]any{"type": "subscribe", "room_id": roomID}
	if after != nil {
		m["after_seq"] = *after
	}
	c.send(m)
	return c.next("subscribed")
}

// messages collects n message frames and checks they are seq from..from+n-1.
func (c *wsClient) messages(from int64, n int) []chat.Message {
	c.t.Helper()
	out := make([]chat.Message, 0, n)
	for len(out) < n {
		f := c.next("message")
		want := from + int64(len(out))
		if f.Message.Seq != want {
			c.t.Fatalf("message seq %d, want %d (duplicate, gap or disorder)", f.Message.Seq, want)
		}
		out = append(out, *f.Message)
	}
	return out
}

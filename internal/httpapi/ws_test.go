package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/httpapi"
)

// TestWebSocketUpgrade runs a real upgrade through every middleware layer:
// the recorder must let the WebSocket library hijack the connection.
func TestWebSocketUpgrade(t *testing.T) {
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := chat.UserFromContext(r.Context())
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer func() { _ = c.CloseNow() }()
		_ = c.Write(r.Context(), websocket.MessageText, []byte("hello "+u.Username))
		_, _, _ = c.Read(r.Context()) // until the client closes
	})
	e := newEnv(t, func(_ *httpapi.Config, d *httpapi.Deps) { d.WS = echo })
	_, token := e.signUp(t, "ada")
	srv := httptest.NewServer(e.h)
	t.Cleanup(srv.Close)
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/api/v1/ws"

	_, resp, err := websocket.Dial(t.Context(), url+"?token=bad", nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("X-Served-By") != testInstance {
		t.Fatalf("bad token: err %v resp %+v", err, resp)
	}

	c, resp, err := websocket.Dial(t.Context(), url+"?token="+token, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Header.Get("X-Served-By") != testInstance {
		t.Errorf("upgrade X-Served-By = %q", resp.Header.Get("X-Served-By"))
	}
	_, msg, err := c.Read(t.Context())
	if err != nil || string(msg) != "hello ada" {
		t.Fatalf("read %q, %v", msg, err)
	}
	_ = c.Close(websocket.StatusNormalClosure, "")
}

package httpapi_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/open-chat/openchat/internal/httpapi"
	"github.com/open-chat/openchat/internal/requestid"
	"github.com/open-chat/openchat/internal/testlog"
)

// logLines returns the JSON log records written to l so far.
func logLines(t *testing.T, l *testlog.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

func TestRequestID(t *testing.T) {
	logs := &testlog.Buffer{}
	log := slog.New(requestid.LogHandler(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})))
	e := newEnv(t, func(c *httpapi.Config, d *httpapi.Deps) { d.Log = log; c.Version = "v9.9.9" })

	t.Run("generated, unique, in the error body", func(t *testing.T) {
		a := e.do(t, req{method: "GET", path: "/api/v1/nope"})
		b := e.do(t, req{method: "GET", path: "/api/v1/nope"})
		ida, idb := a.Header().Get("X-Request-Id"), b.Header().Get("X-Request-Id")
		if !requestid.Valid(ida) || ida == idb {
			t.Fatalf("ids %q and %q", ida, idb)
		}
		var body struct {
			Error struct {
				RequestID string `json:"request_id"`
			} `json:"error"`
		}
		if err := json.Unmarshal(a.Body.Bytes(), &body); err != nil || body.Error.RequestID != ida {
			t.Fatalf("error body %s lacks request_id %q", a.Body, ida)
		}
	})
	t.Run("taken over when well-formed", func(t *testing.T) {
		rec := e.do(t, req{method: "GET", path: "/healthz", header: http.Header{"X-Request-Id": {"lb-42"}}})
		if got := rec.Header().Get("X-Request-Id"); got != "lb-42" {
			t.Fatalf("X-Request-Id %q, want lb-42", got)
		}
		if !strings.Contains(rec.Body.String(), `"version":"v9.9.9"`) {
			t.Fatalf("/healthz body %s lacks the version", rec.Body)
		}
	})
	t.Run("replaced when not", func(t *testing.T) {
		rec := e.do(t, req{method: "GET", path: "/healthz", header: http.Header{"X-Request-Id": {`bad id"`}}})
		if got := rec.Header().Get("X-Request-Id"); got == `bad id"` || !requestid.Valid(got) {
			t.Fatalf("X-Request-Id %q", got)
		}
	})
	t.Run("access log", func(t *testing.T) {
		u, token := e.signUp(t, "logged")
		rec := e.do(t, req{method: "GET", path: "/api/v1/rooms", token: token, remote: "198.51.100.7:1234"})
		id := rec.Header().Get("X-Request-Id")
		var found map[string]any
		for _, l := range logLines(t, logs) {
			if l["msg"] == "http" && l["request_id"] == id {
				found = l
			}
			if l["msg"] == "http" && l["path"] == "/healthz" {
				t.Errorf("a successful probe was logged at %v", l["level"])
			}
		}
		if found == nil {
			t.Fatalf("no access log line with request_id %s", id)
		}
		d, isFloat := found["duration_ms"].(float64)
		if found["status"] != float64(200) || found["client"] != "198.51.100.7" || found["user"] != u.ID ||
			found["route"] != "GET /api/v1/rooms" || found["bytes"] != float64(rec.Body.Len()) || !isFloat || d < 0 {
			t.Fatalf("access log line %v", found)
		}
	})
}

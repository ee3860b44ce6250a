package main

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/postgres/pgtest"
)

type roomResp struct {
	Room chat.Room `json:"room"`
}

type pageResp struct {
	Messages []chat.Message `json:"messages"`
	HasMore  bool           `json:"has_more"`
}

// TestNewcomerSession is the README's curl session, on SQLite and PostgreSQL.
func TestNewcomerSession(t *testing.T) {
	stores := []struct {
		name string
		args func(t *testing.T) []string
	}{
		{"sqlite", func(t *testing.T) []string { return nil }},
		{"postgres", func(t *testing.T) []string { return []string{"--database-url", pgtest.NewDatabase(t)} }},
		{"postgres-nocache", func(t *testing.T) []string {
			return []string{"--database-url", pgtest.NewDatabase(t), "--cache-disabled"}
		}},
	}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			// This script posts 120 messages at once: no person's pace.
			srv := startServer(t, append(st.args(t), "--instance-id", "node-"+st.name, "--ratelimit-posts", "off")...)
			ada := signUp(t, srv.URL, "ada")
			var me struct{ User chat.User }
			r := ada.must(200, "GET", "/api/v1/me", nil, &me)
			if got := r.Header.Get("X-Served-By"); got != "node-"+st.name {
				t.Fatalf("X-Served-By = %q", got)
			}
			if me.User.Email == "" || me.User.EmailNotifications != chat.NotifyAlways {
				t.Fatalf("me = %+v", me.User)
			}
			var room roomResp
			ada.must(201, "POST", "/api/v1/rooms", map[string]string{"name": "general", "topic": "all things"}, &room)
			ada.must(409, "POST", "/api/v1/rooms", map[string]string{"name": "GENERAL"}, nil)
			path := "/api/v1/rooms/" + room.Room.ID + "/messages"
			for i := 1; i <= 120; i++ {
				var m struct{ Message chat.Message }
				ada.must(201, "POST", path, map[string]string{"body": fmt.Sprintf("  hello %d  ", i)}, &m)
				if m.Message.Seq != int64(i) || m.Message.Body != fmt.Sprintf("hello %d", i) {
					t.Fatalf("message %d = %+v", i, m.Message)
				}
			}
			var p pageResp
			ada.must(200, "GET", path, nil, &p)
			if len(p.Messages) != 50 || p.Messages[0].Seq != 71 || p.Messages[49].Seq != 120 || !p.HasMore {
				t.Fatalf("latest page: %d messages from %d, has_more %v", len(p.Messages), p.Messages[0].Seq, p.HasMore)
			}
			ada.must(200, "GET", path+"?before=71&limit=100", nil, &p)
			if len(p.Messages) != 70 || p.Messages[0].Seq != 1 || p.HasMore {
				t.Fatalf("before page: %d messages, has_more %v", len(p.Messages), p.HasMore)
			}
			ada.must(200, "GET", path+"?after=100&limit=10", nil, &p)
			if len(p.Messages) != 10 || p.Messages[0].Seq != 101 || !p.HasMore {
				t.Fatalf("after page: %d messages, has_more %v", len(p.Messages), p.HasMore)
			}
			ada.must(422, "GET", path+"?limit=101", nil, nil)
			ada.must(404, "GET", "/api/v1/rooms/nope/messages", nil, nil)
			anon := &client{t: t, base: srv.URL}
			r = anon.must(401, "GET", "/api/v1/rooms", nil, nil)
			if !strings.Contains(string(r.Body), `"code":"unauthorized"`) || r.Header.Get("X-Served-By") == "" {
				t.Fatalf("401 body %s headers %v", r.Body, r.Header)
			}
			ada.must(204, "DELETE", "/api/v1/sessions/current", nil, nil)
			ada.must(401, "GET", "/api/v1/me", nil, nil)
		})
	}
}

// TestServeStaticAndHealth checks the non-API surface: health, readiness,
// metrics (not public), the embedded client and the OpenAPI document.
func TestServeStaticAndHealth(t *testing.T) {
	srv := startServer(t, "--instance-id", "solo")
	for _, tt := range []struct {
		path, contains string
		status         int
	}{
		{"/healthz", "ok", 200},
		{"/readyz", "", 200},
		{"/metrics", "not_found", 404}, // private: --metrics-addr
		{"/api/v1/openapi.yaml", "openapi: 3.1", 200},
		{"/", "<div id=\"root\"", 200},
		{"/api/v1/nope", "not_found", 404},
	} {
		t.Run(tt.path, func(t *testing.T) {
			resp, err := http.Get(srv.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var b strings.Builder
			_, _ = fmt.Fprint(&b, readAll(t, resp))
			if resp.StatusCode != tt.status || !strings.Contains(b.String(), tt.contains) {
				t.Fatalf("%s: %d %.200s", tt.path, resp.StatusCode, b.String())
			}
			if resp.Header.Get("X-Served-By") != "solo" {
				t.Fatalf("%s: X-Served-By %q", tt.path, resp.Header.Get("X-Served-By"))
			}
		})
	}
}

func TestCommands(t *testing.T) {
	var out strings.Builder
	if err := run(t.Context(), []string{"version"}, os.Getenv, &out, &out); err != nil || !strings.HasPrefix(out.String(), "openchat ") {
		t.Fatalf("version: %v %q", err, out.String())
	}
	out.Reset()
	for _, help := range []string{"help", "--help", "-h"} {
		out.Reset()
		if err := run(t.Context(), []string{help}, os.Getenv, &out, &out); err != nil || !strings.Contains(out.String(), "migrate") ||
			!strings.Contains(out.String(), "OPENCHAT_DATABASE_URL") {
			t.Fatalf("%s: %v %q", help, err, out.String())
		}
	}
	out.Reset()
	if err := run(t.Context(), []string{"serve", "--help"}, os.Getenv, &out, &out); err != nil || !strings.Contains(out.String(), "-redis-url") {
		t.Fatalf("serve --help: %v %q", err, out.String())
	}
	dir := t.TempDir()
	if err := run(t.Context(), []string{"migrate", "--data-dir", dir}, func(string) string { return "" }, &out, &out); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if _, err := os.Stat(dir + "/openchat.db"); err != nil {
		t.Fatalf("migrate made no database: %v", err)
	}
	if err := run(t.Context(), []string{"bogus"}, os.Getenv, &out, &out); err == nil {
		t.Fatal("unknown command accepted")
	}
	// Refused before anything is written (it wrote ./data/secret into the
	// source tree when the URL was checked after the secret).
	if err := run(t.Context(), []string{"serve", "--database-url", "mysql://x", "--data-dir", dir + "/new"}, func(string) string { return "" }, &out, &out); err == nil {
		t.Fatal("mysql URL accepted")
	}
	if _, err := os.Stat(dir + "/new"); err == nil {
		t.Fatal("a refused start created the data dir")
	}
}

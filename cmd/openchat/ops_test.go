package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/postgres/pgtest"
	"github.com/open-chat/openchat/internal/sqlite"
)

func httpGet(url string) (string, error) {
	resp, err := http.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// openchat runs one command through run() and returns its stdout.
func openchat(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), args, func(string) string { return "" }, &stdout, &stderr)
	if err != nil {
		err = fmt.Errorf("%w\nstderr: %s", err, stderr.String())
	}
	return stdout.String(), err
}

func TestMigrateCommand(t *testing.T) {
	engines := []struct {
		name string
		args func(t *testing.T) []string
	}{
		{"sqlite", func(t *testing.T) []string { return []string{"--data-dir", filepath.Join(t.TempDir(), "d")} }},
		{"postgres", func(t *testing.T) []string { return []string{"--database-url", pgtest.NewDatabase(t)} }},
	}
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			args := e.args(t)
			out, err := openchat(t, append([]string{"migrate", "status"}, args...)...)
			if err != nil || !strings.Contains(out, "0001_init.sql") || strings.Contains(out, "applied 2") || !strings.Contains(out, "0 applied") {
				t.Fatalf("status before: %v\n%s", err, out)
			}
			if out, err = openchat(t, append([]string{"migrate", "up"}, args...)...); err != nil || !strings.Contains(out, "0 pending") {
				t.Fatalf("up: %v\n%s", err, out)
			}
			if out, err = openchat(t, append([]string{"migrate", "status"}, args...)...); err != nil || !strings.Contains(out, ", 0 pending") || strings.Contains(out, "  pending\n") ||
				!regexp.MustCompile(`(?m)^0001_init\.sql +applied 20`).MatchString(out) {
				t.Fatalf("status after: %v\n%s", err, out)
			}
		})
	}
	t.Run("help", func(t *testing.T) {
		var stderr bytes.Buffer
		if err := run(t.Context(), []string{"migrate", "--help"}, func(string) string { return "" }, io.Discard, &stderr); err != nil {
			t.Fatalf("migrate --help: %v", err)
		}
		if !strings.Contains(stderr.String(), "Usage: openchat migrate [status|up]") || strings.Contains(stderr.String(), "-redis-url") {
			t.Fatalf("migrate --help printed:\n%s", stderr.String())
		}
	})
	t.Run("stray argument", func(t *testing.T) {
		if _, err := openchat(t, "migrate", "down", "--data-dir", t.TempDir()); err == nil {
			t.Fatal("migrate down accepted")
		}
	})
}

// TestBackupUnderWriteLoad: a backup taken while writers append as fast as
// the server's group commit allows completes, passes integrity_check, and
// holds every message acknowledged before it started. Then restore.
func TestBackupUnderWriteLoad(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, sqliteFile), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u := chat.User{ID: chat.NewID(), Username: "writer", DisplayName: "Writer", Email: "w@example.org", PasswordHash: "x", CreatedAt: chat.NewTime(time.Now())}
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	var rooms []string
	for i := range 4 {
		r := chat.Room{ID: chat.NewID(), Name: fmt.Sprintf("load-%d", i), Visibility: chat.Public, CreatedBy: u.ID, CreatedAt: chat.NewTime(time.Now())}
		if err := st.CreateRoom(ctx, r); err != nil {
			t.Fatal(err)
		}
		rooms = append(rooms, r.ID)
	}

	var (
		mu    sync.Mutex
		acked []string
		wg    sync.WaitGroup
	)
	wctx, stop := context.WithCancel(ctx)
	progress := make(chan struct{}, 1)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; wctx.Err() == nil; i++ {
				id := chat.NewID()
				_, _, err := st.AppendMessage(wctx, chat.NewMessage{ID: id, RoomID: rooms[w%len(rooms)], Author: u.Ref(), Body: fmt.Sprintf("w%d m%d", w, i)})
				if err != nil {
					if wctx.Err() == nil {
						t.Errorf("append: %v", err)
					}
					return
				}
				mu.Lock()
				acked = append(acked, id)
				mu.Unlock()
				select {
				case progress <- struct{}{}:
				default:
				}
			}
		}()
	}
	waitAcked := func(n int) {
		for {
			mu.Lock()
			got := len(acked)
			mu.Unlock()
			if got >= n {
				return
			}
			select {
			case <-progress:
			case <-ctx.Done():
				t.Fatal(ctx.Err())
			}
		}
	}
	waitAcked(2000)
	mu.Lock()
	before := append([]string(nil), acked...)
	mu.Unlock()

	file := filepath.Join(t.TempDir(), "openchat-backup.db")
	out, err := openchat(t, "backup", "--data-dir", dir, file)
	mu.Lock()
	after := len(acked)
	mu.Unlock()
	waitAcked(after + 100) // the writers were still going when the backup finished
	stop()
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "written to "+file) {
		t.Errorf("backup printed %q", out)
	}
	if after <= len(before) {
		t.Errorf("no message was acknowledged while the backup ran (%d before, %d after)", len(before), after)
	}
	if err := sqlite.Check(ctx, file); err != nil {
		t.Fatal(err)
	}
	inBackup := messageIDs(t, file)
	for _, id := range before {
		if !inBackup[id] {
			t.Fatalf("message %s, acknowledged before the backup, is missing from it (%d of %d there)", id, len(inBackup), len(before))
		}
	}
	if _, err := openchat(t, "backup", "--data-dir", dir, file); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("backup over an existing file: %v", err)
	}

	// Restore into a new data dir, then serve it.
	restored := filepath.Join(t.TempDir(), "restored")
	if _, err := openchat(t, "restore", "--data-dir", restored, file); err != nil {
		t.Fatal(err)
	}
	if got := messageIDs(t, filepath.Join(restored, sqliteFile)); len(got) != len(inBackup) {
		t.Fatalf("restored %d messages, backup has %d", len(got), len(inBackup))
	}
	if _, err := openchat(t, "restore", "--data-dir", restored, file); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("restore into a non-empty data dir: %v", err)
	}
	if _, err := openchat(t, "restore", "--data-dir", filepath.Join(t.TempDir(), "x"), filepath.Join(dir, "secret-nope")); err == nil {
		t.Fatal("restore of a missing file succeeded")
	}
	startServer(t, "--data-dir", restored)
}

func messageIDs(t *testing.T, path string) map[string]bool {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT id FROM messages`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	ids := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids[id] = true
	}
	return ids
}

// conversation signs up a user on srv, creates a room and posts n
// messages; it returns the client and the room id.
func conversation(t *testing.T, srv *server, n int) (*client, string) {
	t.Helper()
	c := signUp(t, srv.URL, "ops")
	var room struct{ Room struct{ ID string } }
	c.must(201, "POST", "/api/v1/rooms", map[string]string{"name": fmt.Sprintf("ops-%d", n)}, &room)
	for i := range n {
		c.must(201, "POST", "/api/v1/rooms/"+room.Room.ID+"/messages", map[string]string{"body": fmt.Sprintf("message %d", i), "client_id": fmt.Sprint(i)}, nil)
	}
	return c, room.Room.ID
}

// messagesOf lists a room's messages through the API of base.
func messagesOf(t *testing.T, c *client, base, room string) []json.RawMessage {
	t.Helper()
	cc := *c
	cc.base = base
	var page struct{ Messages []json.RawMessage }
	cc.must(200, "GET", "/api/v1/rooms/"+room+"/messages?limit=100", nil, &page)
	return page.Messages
}

// TestPostgresBackupRestore runs pg_dump and pg_restore (which must be on
// PATH wherever OPENCHAT_TEST_POSTGRES_URL is set) through openchat.
func TestPostgresBackupRestore(t *testing.T) {
	src := pgtest.NewDatabase(t)
	srv := startServer(t, "--database-url", src)
	c, room := conversation(t, srv, 5)
	file := filepath.Join(t.TempDir(), "openchat.dump")
	if _, err := openchat(t, "backup", "--database-url", src, file); err != nil {
		t.Fatal(err)
	}
	dst := pgtest.NewDatabase(t)
	if _, err := openchat(t, "restore", "--database-url", dst, file); err != nil {
		t.Fatal(err)
	}
	if _, err := openchat(t, "restore", "--database-url", src, file); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("restore into a database with tables: %v", err)
	}
	restored := startServer(t, "--database-url", dst)
	want, got := messagesOf(t, c, srv.URL, room), messagesOf(t, c, restored.URL, room) // the session was restored too
	if len(got) != 5 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("restored messages %s, want %s", got, want)
	}
}

// TestCopyToPostgres moves a SQLite installation and serves it from
// PostgreSQL: same sessions, same messages.
func TestCopyToPostgres(t *testing.T) {
	dir := t.TempDir()
	srv := startServer(t, "--data-dir", dir)
	c, room := conversation(t, srv, 7)
	want := messagesOf(t, c, srv.URL, room)
	srv.stop()

	url := pgtest.NewDatabase(t)
	out, err := openchat(t, "copy", "--data-dir", dir, "--to", url)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"users  1 rows", "messages  7 rows", "rooms  1 rows"} {
		if !strings.Contains(strings.Join(strings.Fields(out), "  "), strings.Join(strings.Fields(line), "  ")) {
			t.Errorf("copy output lacks %q:\n%s", line, out)
		}
	}
	pg := startServer(t, "--database-url", url)
	if got := messagesOf(t, c, pg.URL, room); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("messages on PostgreSQL %s, want %s", got, want)
	}
	if _, err := openchat(t, "copy", "--data-dir", dir, "--to", url); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("second copy: %v", err)
	}
	if _, err := openchat(t, "copy", "--data-dir", dir, "--to", "mysql://x"); err == nil {
		t.Fatal("copy to mysql accepted")
	}
}

// TestLogLines: JSON lines name each key once (the mail worker's named the
// instance twice), carry the request id, and probes stay at DEBUG.
func TestLogLines(t *testing.T) {
	srv := startServer(t, "--log-level", "info", "--log-format", "json", "--instance-id", "logs-1", "--mail-batch-window", "10ms")
	a := signUp(t, srv.URL, "mailer")
	b := signUp(t, srv.URL, "mailed")
	var me struct{ User struct{ Username string } }
	b.must(200, "GET", "/api/v1/me", nil, &me)
	var room struct{ Room struct{ ID string } }
	a.must(201, "POST", "/api/v1/rooms", map[string]string{"name": "logs"}, &room)
	r := a.must(201, "POST", "/api/v1/rooms/"+room.Room.ID+"/messages", map[string]string{"body": "hi @" + me.User.Username}, nil)
	id := r.Header.Get("X-Request-Id")
	if _, err := httpGet(srv.URL + "/healthz"); err != nil {
		t.Fatal(err)
	}
	var mail, access map[string]any
	defer func() {
		if t.Failed() {
			t.Log(srv.logs.String())
		}
	}()
	eventually(t, 20*time.Second, func() bool {
		for _, line := range strings.Split(strings.TrimSpace(srv.logs.String()), "\n") {
			if dup := duplicateKey(line); dup != "" {
				t.Fatalf("key %q twice in %s", dup, line)
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("not JSON: %s", line)
			}
			switch {
			case m["component"] == "mail":
				mail = m
			case m["msg"] == "http" && m["request_id"] == id:
				access = m
			case m["msg"] == "http" && m["path"] == "/healthz":
				t.Fatalf("probe logged at INFO: %s", line)
			}
		}
		return mail != nil
	})
	if mail["instance"] != "logs-1" {
		t.Errorf("mail line %v", mail)
	}
	if access == nil || access["status"] != float64(201) || access["client"] != "127.0.0.1" {
		t.Errorf("access line %v", access)
	}
}

// duplicateKey returns a top-level key that occurs twice in a JSON object.
func duplicateKey(line string) string {
	dec := json.NewDecoder(strings.NewReader(line))
	if _, err := dec.Token(); err != nil {
		return ""
	}
	seen := map[string]bool{}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return ""
		}
		key, _ := k.(string)
		if seen[key] {
			return key
		}
		seen[key] = true
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return ""
		}
	}
	return ""
}

// eventually polls cond until it holds or within passes.
func eventually(t *testing.T, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s", within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

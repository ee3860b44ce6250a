package sqlite

import (
	"context"
	"database/sql"
	"log/slog"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/chat/chattest"
)

func TestMembersMigration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	w, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	w.SetMaxOpenConns(1)
	t.Cleanup(func() { _ = w.Close() })
	if err := (&Store{w: w, log: slog.New(slog.DiscardHandler)}).migrateTo(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	chattest.TestMembersMigration(t, chattest.OldSchema{
		Exec: func(t *testing.T, q string) {
			if _, err := w.Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		},
		Time: func(at time.Time) string { return strconv.FormatInt(at.UnixMilli(), 10) },
		Open: func(t *testing.T) chat.Store {
			_ = w.Close()
			s, err := Open(context.Background(), path, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			return s
		},
	})
}

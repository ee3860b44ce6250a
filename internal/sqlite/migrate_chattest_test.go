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

func TestMembersMigration(t *testing.T) { chattest.TestMembersMigration(t, oldSchema(t, 1)) }

func TestNameFoldMigration(t *testing.T) { chattest.TestNameFoldMigration(t, oldSchema(t, 13)) }

// oldSchema is a new database migrated up to version, for a chattest
// migration test to fill and open.
func oldSchema(t *testing.T, version int) chattest.OldSchema {
	path := filepath.Join(t.TempDir(), "old.db")
	w, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	w.SetMaxOpenConns(1)
	t.Cleanup(func() { _ = w.Close() })
	if err := (&Store{w: w, log: slog.New(slog.DiscardHandler)}).migrateTo(context.Background(), version); err != nil {
		t.Fatal(err)
	}
	return chattest.OldSchema{
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
	}
}

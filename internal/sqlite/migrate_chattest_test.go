package sqlite_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/chat/chattest"
	"github.com/open-chat/openchat/internal/sqlite"
)

func TestMembersMigration(t *testing.T) { chattest.TestMembersMigration(t, oldSchema(t, 2)) }

func TestNameFoldMigration(t *testing.T) { chattest.TestNameFoldMigration(t, oldSchema(t, 14)) }

func TestCleanupMarksMigration(t *testing.T) {
	chattest.TestCleanupMarksMigration(t, func(t *testing.T) chattest.OldSchema { return oldSchema(t, 15) })
}

// oldSchema is oldDatabase for a chattest migration test, which writes the
// same SQL on both engines.
func oldSchema(t *testing.T, before int) chattest.OldSchema {
	path, exec := oldDatabase(t, before)
	return chattest.OldSchema{
		Exec: func(t *testing.T, q string) { exec(q) },
		Time: func(at time.Time) string { return strconv.FormatInt(at.UnixMilli(), 10) },
		Open: func(t *testing.T) chat.Store {
			s, err := sqlite.Open(context.Background(), path, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			return s
		},
	}
}

func TestChangedMessagesMigration(t *testing.T) {
	chattest.TestChangedMessagesMigration(t, oldSchema(t, 18))
}

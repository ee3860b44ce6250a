package sqlite_test

import (
	"testing"

	"github.com/open-chat/openchat/internal/chat/chattest"
	"github.com/open-chat/openchat/internal/sqlite"
)

// TestGroupCommit checks that concurrent appends share transactions and
// that a message failing inside a group fails alone.
func TestGroupCommit(t *testing.T) { chattest.TestAppendIsolation(t, sqlite.OpenTest(t)) }

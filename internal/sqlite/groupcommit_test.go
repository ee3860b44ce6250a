package sqlite_test

import (
	"testing"

	"github.com/open-chat/openchat/internal/chat/chattest"
)

// TestGroupCommit checks that concurrent appends share transactions and
// that a message failing inside a group fails alone.
func TestGroupCommit(t *testing.T) {
	s := newStore(t)
	chattest.TestAppendIsolation(t, s)
	if s.Grouped() == 0 {
		t.Fatal("no transaction carried more than one message: the test did not exercise grouping")
	}
	if s.Fallbacks() == 0 {
		t.Fatal("no group fell back to single appends: the bad messages never shared a group")
	}
}

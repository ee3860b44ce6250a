package sqlite_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/chat/chattest"
	"github.com/open-chat/openchat/internal/sqlite"
)

func TestStore(t *testing.T) {
	chattest.TestStore(t, func(t *testing.T) chat.Store { return sqlite.OpenTest(t) })
}

// TestOpenConcurrently opens one file from several goroutines at once, as
// two processes starting together would: migrations apply exactly once.
func TestOpenConcurrently(t *testing.T) {
	path := filepath.Join(t.TempDir(), "openchat.db")
	const opens = 4
	var wg sync.WaitGroup
	stores := make([]*sqlite.Store, opens)
	errs := make([]error, opens)
	for i := range opens {
		wg.Go(func() { stores[i], errs[i] = sqlite.Open(context.Background(), path, nil) })
	}
	wg.Wait()
	for i := range opens {
		if errs[i] != nil {
			t.Fatalf("open %d: %v", i, errs[i])
		}
		defer stores[i].Close()
	}
	u := chat.User{ID: chat.NewID(), Username: "ada", DisplayName: "Ada", Email: "ada@example.org", PasswordHash: "x"}
	if err := stores[0].CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	if _, err := stores[3].UserByUsername(context.Background(), "ada"); err != nil {
		t.Fatalf("another handle does not see the write: %v", err)
	}
}

func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "openchat.db")
	for i := range 2 {
		s, err := sqlite.Open(context.Background(), path, nil)
		if err != nil {
			t.Fatalf("open #%d: %v", i, err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

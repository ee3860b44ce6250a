package postgres_test

import (
	"context"
	"sync"
	"testing"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/chat/chattest"
	"github.com/open-chat/openchat/internal/postgres"
	"github.com/open-chat/openchat/internal/postgres/pgtest"
)

func TestStore(t *testing.T) {
	chattest.TestStore(t, func(t *testing.T) chat.Store { return postgres.OpenTest(t) })
}

// TestOpenConcurrently starts 4 instances on one fresh database at once:
// the advisory lock makes each migration apply exactly once.
func TestOpenConcurrently(t *testing.T) {
	url := pgtest.NewDatabase(t)
	const opens = 4
	var wg sync.WaitGroup
	stores := make([]*postgres.Store, opens)
	errs := make([]error, opens)
	for i := range opens {
		wg.Go(func() { stores[i], errs[i] = postgres.Open(context.Background(), url, nil) })
	}
	wg.Wait()
	for i := range opens {
		if errs[i] != nil {
			t.Fatalf("open %d: %v", i, errs[i])
		}
		t.Cleanup(func() { stores[i].Close() })
	}
	u := chat.User{ID: chat.NewID(), Username: "ada", DisplayName: "Ada", Email: "ada@example.org", PasswordHash: "x"}
	if err := stores[0].CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	if _, err := stores[3].UserByUsername(context.Background(), "ada"); err != nil {
		t.Fatalf("another instance does not see the write: %v", err)
	}
}

func TestOpenBadURL(t *testing.T) {
	if _, err := postgres.Open(context.Background(), "postgres://nobody@127.0.0.1:1/none?connect_timeout=1", nil); err == nil {
		t.Fatal("Open of an unreachable server succeeded")
	}
}

package postgres_test

import (
	"context"
	"testing"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/chat/chattest"
	"github.com/open-chat/openchat/internal/postgres"
	"github.com/open-chat/openchat/internal/postgres/pgtest"
)

// TestLockerConformance: two stores on one database are two instances.
func TestLockerConformance(t *testing.T) {
	chattest.TestLocker(t, func(t *testing.T) (chat.Locker, chat.Locker) {
		url := pgtest.NewDatabase(t)
		var ls []chat.Locker
		for range 2 {
			s, err := postgres.Open(context.Background(), url, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			ls = append(ls, s.Locker())
		}
		return ls[0], ls[1]
	}, 0)
}

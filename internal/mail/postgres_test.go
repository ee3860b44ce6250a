package mail

import (
	"context"
	"testing"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/postgres"
	"github.com/open-chat/openchat/internal/postgres/pgtest"
)

func postgresStore(t *testing.T) chat.Store {
	t.Helper()
	url := pgtest.NewDatabase(t) // skips (or fails in CI) without OPENCHAT_TEST_POSTGRES_URL
	s, err := postgres.Open(context.Background(), url, testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

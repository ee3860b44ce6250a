package postgres

import (
	"context"
	"testing"

	"github.com/open-chat/openchat/internal/chat/chattest"
)

// TestMeasureStorage: OPENCHAT_MEASURE_STORAGE=100000 go test -run
// TestMeasureStorage -v ./internal/postgres (docs/performance.md,
// Storage). The size is pg_total_relation_size of messages (heap, TOAST
// and every index) after VACUUM FULL.
func TestMeasureStorage(t *testing.T) {
	ctx := context.Background()
	s := OpenTest(t)
	chattest.MeasureStorage(t, s, func() (int64, error) {
		if _, err := s.pool.Exec(ctx, `VACUUM FULL messages`); err != nil {
			return 0, err
		}
		var n, idx int64
		err := s.pool.QueryRow(ctx, `SELECT pg_total_relation_size('messages'), pg_relation_size('messages_client_id')`).Scan(&n, &idx)
		t.Logf("messages: %d bytes, of which messages_client_id %d", n, idx)
		return n, err
	})
}

package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/open-chat/openchat/internal/chat/chattest"
)

// TestMeasureStorage: OPENCHAT_MEASURE_STORAGE=100000 go test -run
// TestMeasureStorage -v ./internal/sqlite (docs/performance.md, Storage).
// The size is the file's after VACUUM (and a WAL checkpoint).
func TestMeasureStorage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	s, err := Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	chattest.MeasureStorage(t, s, func() (int64, error) {
		if _, err := s.w.Exec(`VACUUM`); err != nil {
			return 0, err
		}
		if _, err := s.w.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			return 0, err
		}
		fi, err := os.Stat(path)
		if err != nil {
			return 0, err
		}
		return fi.Size(), nil
	})
}

package sqlite_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/open-chat/openchat/internal/sqlite"
)

// TestBackupRefusals: Check tells an OpenChat database from other files,
// and neither Backup nor Restore overwrites anything. (The backup under
// write load is cmd/openchat's TestBackupUnderWriteLoad.)
func TestBackupRefusals(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	live := filepath.Join(dir, "openchat.db")
	st, err := sqlite.Open(ctx, live, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	other := filepath.Join(dir, "other.db")
	db, err := sql.Open("sqlite", "file:"+other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE notes (body TEXT)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	garbage := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(garbage, []byte(strings.Repeat("not a database ", 500)), 0o600); err != nil {
		t.Fatal(err)
	}

	backup := filepath.Join(dir, "backup.db")
	if err := sqlite.Backup(ctx, live, backup); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"check a backup", sqlite.Check(ctx, backup), ""},
		{"check another database", sqlite.Check(ctx, other), "not an OpenChat database"},
		{"check garbage", sqlite.Check(ctx, garbage), "garbage.db"},
		{"check a missing file", sqlite.Check(ctx, filepath.Join(dir, "nope.db")), "no such file"},
		{"backup over a file", sqlite.Backup(ctx, live, other), "already exists"},
		{"backup of a missing database", sqlite.Backup(ctx, filepath.Join(dir, "nope.db"), filepath.Join(dir, "b2.db")), "no such file"},
		{"restore over a database", sqlite.Restore(ctx, backup, live), "already exists"},
		{"restore another database", sqlite.Restore(ctx, other, filepath.Join(dir, "r.db")), "not an OpenChat database"},
	} {
		if (tt.err == nil) != (tt.want == "") || tt.err != nil && !strings.Contains(tt.err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, tt.err, tt.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "r.db")); err == nil {
		t.Error("a refused restore left a file")
	}
}

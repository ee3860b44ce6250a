package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Backup writes a consistent copy of the database file src to dst, which
// must not exist, while a server may keep writing to src. It uses
// VACUUM INTO: one read transaction on src (a WAL snapshot, so writers are
// never blocked and never restart it, unlike the sqlite3 shell's .backup,
// which starts over whenever another connection writes and under steady
// load never finishes). The copy holds every transaction committed before
// Backup began; it is synced to disk, renamed into place, and checked with
// PRAGMA integrity_check before Backup returns.
func Backup(ctx context.Context, src, dst string) error {
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if _, err := os.Stat(dst); err == nil {
		return fmt.Errorf("backup: %s already exists", dst)
	}
	db, err := sql.Open("sqlite", "file:"+src+fmt.Sprintf("?_pragma=busy_timeout(%d)", BusyTimeout.Milliseconds()))
	if err != nil {
		return fmt.Errorf("backup: open %s: %w", src, err)
	}
	defer db.Close()
	tmp := dst + ".partial"
	_ = os.Remove(tmp)
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("backup: VACUUM INTO: %w", err)
	}
	if err := syncFile(tmp); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("backup: %w", err)
	}
	if err := Check(ctx, tmp); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("backup: %w", err)
	}
	return syncDir(filepath.Dir(dst))
}

// Check opens the database file at path read-only and reports an error
// unless PRAGMA integrity_check says "ok" and it is an OpenChat database
// (it has schema_migrations).
func Check(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err != nil {
		return err
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil {
		return fmt.Errorf("%s: integrity check: %w", path, err)
	}
	if res != "ok" {
		return fmt.Errorf("%s: integrity check: %s", path, res)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n == 0 {
		return fmt.Errorf("%s is not an OpenChat database (no applied migrations): %v", path, err)
	}
	return nil
}

// Restore copies the backup file src, after Check, to dst (the database
// path of a data dir), which must not exist. The copy is synced before it
// is renamed into place, so a crash leaves either nothing or the whole file.
func Restore(ctx context.Context, src, dst string) error {
	if err := Check(ctx, src); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if _, err := os.Stat(dst); err == nil {
		return fmt.Errorf("restore: %s already exists", dst)
	}
	tmp := dst + ".partial"
	err := copyFile(src, tmp)
	if err == nil {
		err = os.Rename(tmp, dst)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("restore: %w", err)
	}
	return syncDir(filepath.Dir(dst))
}

func copyFile(src, dst string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, out.Close()) }()
	if _, err := io.Copy(out, in); err != nil {
		return err
	}
	return out.Sync()
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	return errors.Join(f.Sync(), f.Close())
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}

package bench

import (
	"os"
	"syscall"
)

// fdatasync flushes f's data as PostgreSQL's default wal_sync_method does
// on Linux (and SQLite's on most builds), without the metadata fsync adds.
func fdatasync(f *os.File) error { return syscall.Fdatasync(int(f.Fd())) }

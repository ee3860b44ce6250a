//go:build !linux

package bench

import "os"

// fdatasync flushes f; elsewhere than Linux, with the metadata too.
func fdatasync(f *os.File) error { return f.Sync() }

//go:build unix

package edge

import "syscall"

// fileLimit is the soft RLIMIT_NOFILE (the Go runtime raises it to the hard
// limit at start-up); 0 if it cannot be read. An unlimited one reads as a
// huge number, which MaxConns bounds.
func fileLimit() uint64 {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0
	}
	return uint64(rl.Cur) // int64 on some systems
}

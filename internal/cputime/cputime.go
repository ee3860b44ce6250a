//go:build unix

// Package cputime reads this process's CPU time, which benchmarks on a
// shared machine report next to wall time: it does not grow while the
// process waits for a core.
package cputime

import "syscall"

// Process is this process's user and system CPU time so far, in seconds
// (0 if the kernel does not tell).
func Process() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

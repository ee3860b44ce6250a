//go:build !unix && !windows

package cputime

// Process is 0 where the process's CPU time cannot be read.
func Process() float64 { return 0 }

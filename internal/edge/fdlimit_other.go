//go:build !unix

package edge

// fileLimit is unknown outside Unix: MaxConns falls back to a fixed cap.
func fileLimit() uint64 { return 0 }

// Package testlog collects a test's log output, written from any
// goroutine (a server's handlers, a pool's connections) while the test
// reads it.
package testlog

import (
	"bytes"
	"sync"
)

// Buffer is an io.Writer for a log handler; its zero value is ready.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *Buffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns everything written so far.
func (l *Buffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

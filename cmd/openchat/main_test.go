package main

import (
	"fmt"
	"os"
	"testing"
)

// TestMain fails the package if a test wrote a data dir into the source
// tree (tests must use t.TempDir()).
func TestMain(m *testing.M) {
	_, before := os.Stat("data")
	code := m.Run()
	if _, after := os.Stat("data"); before != nil && after == nil {
		fmt.Fprintln(os.Stderr, "a test created cmd/openchat/data: pass --data-dir t.TempDir()")
		code = 1
	}
	os.Exit(code)
}

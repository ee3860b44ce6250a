// Package testenv holds the one rule for a test whose real dependency (a
// database, a server binary, a tool) is missing: on a developer's machine
// the test skips; in CI it fails, since a skipped suite there would pass
// without testing anything.
package testenv

import (
	"fmt"
	"os"
	"testing"
)

// Missing skips t, saying why (format and args), or fails it in CI: when
// CI=true, or when the variable require is set (.ci/run sets one per tool
// it installs, for runners that do not export CI). require may be empty.
func Missing(t testing.TB, require, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if inCI(require) {
		t.Fatal(msg + " (required in CI)")
	}
	t.Skip(msg)
}

// inCI reports whether missing dependencies must fail tests: CI=true, or
// require names a variable that is set.
func inCI(require string) bool {
	return os.Getenv("CI") == "true" || (require != "" && os.Getenv(require) != "")
}

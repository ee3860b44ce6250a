package httpapi_test

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/open-chat/openchat/internal/httpapi"
)

// TestDocsNameRealRoutes: every "METHOD /path" the Markdown docs name is a
// route of routes.go, with its parameter names (docs/protocol.md pointed to
// a sign-in route that never existed).
func TestDocsNameRealRoutes(t *testing.T) {
	routes := map[string]bool{}
	for _, r := range httpapi.Routes() {
		routes[r.Method+" "+r.Path] = true
	}
	files, err := filepath.Glob("../../docs/*.md")
	if err != nil || len(files) == 0 {
		t.Fatalf("no docs found: %v", err)
	}
	files = append(files, "../../README.md")
	re := regexp.MustCompile("\\b(GET|POST|PUT|PATCH|DELETE) (/[^\\s`)?\"]*)")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if !routes[m[1]+" "+m[2]] {
				t.Errorf("%s names %s %s, which is not in routes.go", filepath.Base(f), m[1], m[2])
			}
		}
	}
}

package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWebExport writes the static site a CDN serves: index.html pointing at
// the asset URL, the hashed assets, and config.json naming the API origin.
func TestWebExport(t *testing.T) {
	noEnv := func(string) string { return "" }
	tests := []struct {
		name, asset string
	}{
		{"same origin assets", ""},
		{"assets on a CDN", "https://cdn.example.com/chat/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			args := []string{"web", "export", "--api-origin", "https://chat.example.com"}
			if tt.asset != "" {
				args = append(args, "--asset-url", tt.asset)
			}
			if err := run(t.Context(), append(args, dir), noEnv, io.Discard, io.Discard); err != nil {
				t.Fatal(err)
			}
			var cfg struct {
				APIOrigin string `json:"apiOrigin"`
			}
			b, err := os.ReadFile(filepath.Join(dir, "config.json"))
			if err != nil || json.Unmarshal(b, &cfg) != nil || cfg.APIOrigin != "https://chat.example.com" {
				t.Fatalf("config.json = %s, %v", b, err)
			}
			index, err := os.ReadFile(filepath.Join(dir, "index.html"))
			if err != nil {
				t.Fatal(err)
			}
			assets, _ := filepath.Glob(filepath.Join(dir, "assets", "index-*.js"))
			if len(assets) != 1 {
				t.Fatalf("hashed script: %v", assets)
			}
			script := tt.asset + "assets/" + filepath.Base(assets[0])
			if tt.asset == "" {
				script = "/assets/" + filepath.Base(assets[0])
			}
			if !strings.Contains(string(index), `src="`+script+`"`) {
				t.Fatalf("index.html does not load %s:\n%s", script, index)
			}
		})
	}
	for _, bad := range [][]string{{"web"}, {"web", "export"}, {"web", "export", "--api-origin", "ftp://x", t.TempDir()}} {
		if err := run(t.Context(), bad, noEnv, io.Discard, io.Discard); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// builtClient is the committed build that the binary embeds.
const builtClient = "../../web/dist"

// TestWebExport writes the static site a CDN serves: every built file as
// is (hashed assets with their .br/.gz copies, which a CDN or object store
// can serve precompressed), index.html pointing at the asset URL, and
// config.json naming the API origin.
func TestWebExport(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		api      string // apiOrigin in config.json
		assetURL string // prefix of the asset references in index.html
	}{
		{name: "same origin assets", args: []string{"--api-origin", "https://chat.example.com"}, api: "https://chat.example.com", assetURL: "/assets/"},
		{name: "assets on a CDN", args: []string{"--api-origin", "https://chat.example.com/", "--asset-url", "https://cdn.example.com/chat"},
			api: "https://chat.example.com", assetURL: "https://cdn.example.com/chat/assets/"},
		{name: "from the environment", env: map[string]string{"OPENCHAT_API_ORIGIN": "http://127.0.0.1:8080", "OPENCHAT_ASSET_URL": "http://127.0.0.1:9090/"},
			api: "http://127.0.0.1:8080", assetURL: "http://127.0.0.1:9090/assets/"},
		{name: "no API origin: served beside the server", api: "", assetURL: "/assets/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "site") // created by the export
			var stdout bytes.Buffer
			args := append(append([]string{"web", "export"}, tt.args...), dir)
			if err := run(t.Context(), args, func(k string) string { return tt.env[k] }, &stdout, io.Discard); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(stdout.String(), dir) {
				t.Errorf("stdout = %q, want the directory named", stdout.String())
			}
			if cdn := strings.HasPrefix(tt.assetURL, "http"); cdn != strings.Contains(stdout.String(), "Access-Control-Allow-Origin") {
				t.Errorf("stdout = %q: the CORS hint belongs with an asset URL only", stdout.String())
			}

			var cfg map[string]string
			b, err := os.ReadFile(filepath.Join(dir, "config.json"))
			if err != nil || json.Unmarshal(b, &cfg) != nil || cfg["apiOrigin"] != tt.api || cfg["wsUrl"] != "" {
				t.Fatalf("config.json = %s, %v; want apiOrigin %q", b, err, tt.api)
			}

			index, err := os.ReadFile(filepath.Join(dir, "index.html"))
			if err != nil {
				t.Fatal(err)
			}
			refs := regexp.MustCompile(`(?:src|href)="([^"]*assets/[^"]*)"`).FindAllSubmatch(index, -1)
			if len(refs) < 2 {
				t.Fatalf("index.html loads %d assets, want script and stylesheet:\n%s", len(refs), index)
			}
			for _, m := range refs {
				ref := string(m[1])
				name, ok := strings.CutPrefix(ref, tt.assetURL)
				if !ok || !regexp.MustCompile(`^index-[\w-]+\.(js|css)$`).MatchString(name) {
					t.Errorf("index.html loads %q, want a hashed file under %q", ref, tt.assetURL)
					continue
				}
				if _, err := os.Stat(filepath.Join(dir, "assets", name)); err != nil {
					t.Errorf("index.html loads %q, not exported: %v", ref, err)
				}
			}
			// Stale compressed copies of the original index.html (and, with
			// assets on a CDN, of the service worker, which then names their
			// URLs) would contradict the rewritten ones wherever a CDN
			// prefers them.
			rewritten := []string{"index.html"}
			if cdn := strings.HasPrefix(tt.assetURL, "http"); cdn {
				rewritten = append(rewritten, "sw.js")
				if sw, err := os.ReadFile(filepath.Join(dir, "sw.js")); err != nil || !strings.Contains(string(sw), tt.assetURL) {
					t.Errorf("sw.js does not name the assets at %q (%v):\n%s", tt.assetURL, err, sw)
				}
			}
			for _, name := range rewritten {
				for _, stale := range []string{name + ".gz", name + ".br"} {
					if _, err := os.Stat(filepath.Join(dir, stale)); err == nil {
						t.Errorf("%s exported", stale)
					}
				}
			}
			compareBuild(t, dir, rewritten)
		})
	}
}

// compareBuild checks that every built file except the rewritten ones (and
// their compressed copies) is exported byte for byte, compressed copies of
// the hashed assets included.
func compareBuild(t *testing.T, dir string, rewritten []string) {
	t.Helper()
	var compressed int
	err := filepath.WalkDir(builtClient, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || slices.Contains(rewritten, strings.TrimSuffix(strings.TrimSuffix(d.Name(), ".gz"), ".br")) {
			return err
		}
		rel, _ := filepath.Rel(builtClient, p)
		want, _ := os.ReadFile(p)
		got, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: exported %d bytes (%v), built %d", rel, len(got), err, len(want))
		}
		if strings.HasPrefix(rel, "assets"+string(filepath.Separator)) && (strings.HasSuffix(rel, ".br") || strings.HasSuffix(rel, ".gz")) {
			compressed++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if compressed == 0 {
		t.Error("no precompressed assets exported")
	}
}

func TestWebExportRejects(t *testing.T) {
	noEnv := func(string) string { return "" }
	for _, args := range [][]string{
		{"web"},
		{"web", "import", "DIR"},
		{"web", "export"},
		{"web", "export", "DIR", "DIR"},
		{"web", "export", "--api-origin", "ftp://x", "DIR"},
		{"web", "export", "--api-origin", "chat.example.com", "DIR"},
		{"web", "export", "--api-origin", "https://chat.example.com?x=1", "DIR"},
		{"web", "export", "--asset-url", "wss://cdn.example.com/", "DIR"},
		{"web", "export", "--no-such-flag", "DIR"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			dir := t.TempDir()
			withDir := make([]string, len(args))
			for i, a := range args {
				withDir[i] = strings.ReplaceAll(a, "DIR", dir)
			}
			if err := run(t.Context(), withDir, noEnv, io.Discard, io.Discard); err == nil {
				t.Errorf("%q accepted", args)
			}
			if entries, _ := os.ReadDir(dir); len(entries) > 0 {
				t.Errorf("%q wrote %d files before failing", args, len(entries))
			}
		})
	}
}

// TestExportedClientCORS: the server admits the exported client's origin,
// given to --allowed-origins in either documented form (scheme://host:port,
// or host:port for any scheme), and no other.
func TestExportedClientCORS(t *testing.T) {
	s := startServer(t, "--allowed-origins", "https://app.example.org, cdn.example.net:8443")
	tests := []struct {
		origin string
		want   bool
	}{
		{"https://app.example.org", true},
		{"https://cdn.example.net:8443", true},
		{"http://cdn.example.net:8443", true},
		{"http://app.example.org", false},
		{"https://evil.example", false},
	}
	for _, tt := range tests {
		t.Run(tt.origin, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodOptions, s.URL+"/api/v1/rooms", nil)
			req.Header.Set("Origin", tt.origin)
			req.Header.Set("Access-Control-Request-Method", "POST")
			req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			got := resp.Header.Get("Access-Control-Allow-Origin")
			if tt.want && (resp.StatusCode != http.StatusNoContent || got != tt.origin || !strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization")) {
				t.Errorf("preflight: %d, headers %v", resp.StatusCode, resp.Header)
			}
			if !tt.want && got != "" {
				t.Errorf("Access-Control-Allow-Origin %q sent to %s", got, tt.origin)
			}
		})
	}
}

package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

const testIndex = `<!doctype html><html><head>
<script type="module" crossorigin src="/assets/index-abc123.js"></script>
<link rel="stylesheet" crossorigin href="/assets/index-def456.css">
<link rel="icon" href="/favicon.svg"></head><body><div id="root"></div></body></html>`

func testFS() fstest.MapFS {
	return fstest.MapFS{
		"index.html":                  {Data: []byte(testIndex)},
		"favicon.svg":                 {Data: []byte("<svg/>")},
		"sw.js":                       {Data: []byte(`const SHELL=["/","/assets/index-abc123.js"]`)},
		"sw.js.gz":                    {Data: []byte("SWGZ")},
		"manifest.webmanifest":        {Data: []byte(`{"name":"OpenChat"}`)},
		"icon-192.png":                {Data: []byte("PNG")},
		"assets/index-abc123.js":      {Data: []byte("console.log('js')")},
		"assets/index-abc123.js.br":   {Data: []byte("BR")},
		"assets/index-abc123.js.gz":   {Data: []byte("GZ")},
		"assets/index-def456.css":     {Data: []byte("body{}")},
		"assets/index-def456.css.gz":  {Data: []byte("CSSGZ")},
		"assets/logo-0a1b2c.woff2":    {Data: []byte("font")},
		"assets/nested/x-123abc.json": {Data: []byte("{}")},
	}
}

func newTest(t *testing.T, cfg Config) *handler {
	t.Helper()
	h, err := newHandler(testFS(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func get(h http.Handler, path string, hdr ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestAssets(t *testing.T) {
	h := newTest(t, Config{})
	tests := []struct {
		name, path, accept   string
		status               int
		body, enc, ctype, cc string
	}{
		{"brotli preferred", "/assets/index-abc123.js", "gzip, deflate, br", 200, "BR", "br", "text/javascript; charset=utf-8", AssetCacheControl},
		{"gzip only", "/assets/index-abc123.js", "gzip", 200, "GZ", "gzip", "text/javascript; charset=utf-8", AssetCacheControl},
		{"br refused by q=0", "/assets/index-abc123.js", "br;q=0, gzip;q=0.5", 200, "GZ", "gzip", "text/javascript; charset=utf-8", AssetCacheControl},
		{"wildcard", "/assets/index-abc123.js", "*", 200, "BR", "br", "text/javascript; charset=utf-8", AssetCacheControl},
		{"identity", "/assets/index-abc123.js", "", 200, "console.log('js')", "", "text/javascript; charset=utf-8", AssetCacheControl},
		{"no br variant", "/assets/index-def456.css", "br, gzip", 200, "CSSGZ", "gzip", "text/css; charset=utf-8", AssetCacheControl},
		{"uncompressed font", "/assets/logo-0a1b2c.woff2", "br", 200, "font", "", "font/woff2", AssetCacheControl},
		{"nested", "/assets/nested/x-123abc.json", "", 200, "{}", "", "application/json", AssetCacheControl},
		{"root file", "/favicon.svg", "", 200, "<svg/>", "", "image/svg+xml", FileCacheControl},
		{"service worker revalidated, so a deploy is seen at once", "/sw.js", "gzip", 200, "SWGZ", "gzip", "text/javascript; charset=utf-8", IndexCacheControl},
		{"web app manifest", "/manifest.webmanifest", "", 200, `{"name":"OpenChat"}`, "", "application/manifest+json", FileCacheControl},
		{"icon", "/icon-192.png", "", 200, "PNG", "", "image/png", FileCacheControl},
		{"unknown asset is 404, not the app", "/assets/index-old999.js", "", 404, "", "", "", ""},
		{"compressed copy not served by name", "/assets/index-abc123.js.br", "", 404, "", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := get(h, tt.path, "Accept-Encoding", tt.accept)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d", w.Code, tt.status)
			}
			if tt.status != 200 {
				if strings.Contains(w.Body.String(), "<html") {
					t.Fatal("served the app for a missing asset")
				}
				return
			}
			if got := w.Body.String(); got != tt.body {
				t.Errorf("body %q, want %q", got, tt.body)
			}
			if got := w.Header().Get("Content-Encoding"); got != tt.enc {
				t.Errorf("Content-Encoding %q, want %q", got, tt.enc)
			}
			if got := w.Header().Get("Content-Type"); got != tt.ctype {
				t.Errorf("Content-Type %q, want %q", got, tt.ctype)
			}
			if got := w.Header().Get("Cache-Control"); got != tt.cc {
				t.Errorf("Cache-Control %q, want %q", got, tt.cc)
			}
			if et := w.Header().Get("ETag"); !strings.HasPrefix(et, `"`) || strings.HasPrefix(et, "W/") {
				t.Errorf("ETag %q is not strong", et)
			}
		})
	}
	t.Run("vary only with variants", func(t *testing.T) {
		if v := get(h, "/assets/index-abc123.js").Header().Get("Vary"); v != "Accept-Encoding" {
			t.Errorf("Vary %q", v)
		}
		if v := get(h, "/assets/logo-0a1b2c.woff2").Header().Get("Vary"); v != "" {
			t.Errorf("Vary %q on a file without variants", v)
		}
	})
}

func TestETag(t *testing.T) {
	h := newTest(t, Config{})
	for _, path := range []string{"/assets/index-abc123.js", "/", "/config.json"} {
		t.Run(path, func(t *testing.T) {
			first := get(h, path, "Accept-Encoding", "gzip")
			etag := first.Header().Get("ETag")
			if etag == "" {
				t.Fatal("no ETag")
			}
			if other := get(h, path).Header().Get("ETag"); path != "/config.json" && path != "/" && other == etag {
				t.Error("identity and gzip share an ETag")
			}
			for _, inm := range []string{etag, `"x", ` + etag, "W/" + etag, "*"} {
				w := get(h, path, "Accept-Encoding", "gzip", "If-None-Match", inm)
				if w.Code != http.StatusNotModified || w.Body.Len() != 0 {
					t.Errorf("If-None-Match %s: %d %q", inm, w.Code, w.Body.String())
				}
				if w.Header().Get("ETag") != etag || w.Header().Get("Cache-Control") == "" {
					t.Errorf("304 without ETag/Cache-Control: %v", w.Header())
				}
			}
			if w := get(h, path, "If-None-Match", `"stale"`); w.Code != 200 {
				t.Errorf("stale tag: %d", w.Code)
			}
		})
	}
}

func TestIndexAndFallback(t *testing.T) {
	h := newTest(t, Config{})
	for _, path := range []string{"/", "/rooms/0190f0e0-aaaa-7bbb-8ccc-123456789abc", "/mentions", "/settings", "/some/deep/link"} {
		t.Run(path, func(t *testing.T) {
			w := get(h, path, "Host", "chat.example.com")
			if w.Code != 200 || !strings.Contains(w.Body.String(), `<div id="root">`) {
				t.Fatalf("%d %q", w.Code, w.Body.String())
			}
			if cc := w.Header().Get("Cache-Control"); cc != IndexCacheControl {
				t.Errorf("Cache-Control %q", cc)
			}
			if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
	t.Run("gzip when accepted", func(t *testing.T) {
		big := testFS()
		big["index.html"] = &fstest.MapFile{Data: []byte(testIndex + strings.Repeat("<!-- padding -->", 100))}
		hb, err := newHandler(big, Config{})
		if err != nil {
			t.Fatal(err)
		}
		if enc := get(hb, "/", "Accept-Encoding", "gzip, br").Header().Get("Content-Encoding"); enc != "gzip" {
			t.Errorf("Content-Encoding %q", enc)
		}
	})
	t.Run("methods", func(t *testing.T) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/", nil))
		if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, HEAD" {
			t.Errorf("POST: %d", w.Code)
		}
		w = httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodHead, "/assets/index-abc123.js", nil))
		if w.Code != 200 || w.Body.Len() != 0 || w.Header().Get("Content-Length") == "" {
			t.Errorf("HEAD: %d len %d", w.Code, w.Body.Len())
		}
	})
}

func TestCSP(t *testing.T) {
	tests := []struct {
		name      string
		cfg       Config
		tls       bool
		want      []string
		wantNot   []string
		connectIs string
	}{
		{
			name:      "same origin",
			want:      []string{"default-src 'self'", "script-src 'self';", "style-src 'self';", "frame-ancestors 'none'", "object-src 'none'"},
			wantNot:   []string{"unsafe-inline", "unsafe-eval", "*"},
			connectIs: "'self' ws://chat.example.com",
		},
		{
			name:      "https page",
			tls:       true,
			connectIs: "'self' wss://chat.example.com",
		},
		{
			name:      "cdn and other origins",
			cfg:       Config{AssetURL: "https://cdn.example.net/openchat/", APIOrigin: "https://api.example.org", WSURL: "wss://ws.example.org/api/v1/ws", ConnectSrc: []string{"https://extra.example"}},
			want:      []string{"script-src 'self' https://cdn.example.net;", "style-src 'self' https://cdn.example.net;", "font-src 'self' https://cdn.example.net;", "img-src 'self' https://cdn.example.net data:"},
			connectIs: "'self' https://api.example.org wss://api.example.org wss://ws.example.org https://extra.example ws://chat.example.com",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newTest(t, tt.cfg)
			r := httptest.NewRequest(http.MethodGet, "/rooms/x", nil)
			r.Host = "chat.example.com"
			if tt.tls {
				r.Header.Set("X-Forwarded-Proto", "https")
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			csp := w.Header().Get("Content-Security-Policy")
			for _, s := range tt.want {
				if !strings.Contains(csp, s) {
					t.Errorf("CSP %q lacks %q", csp, s)
				}
			}
			for _, s := range tt.wantNot {
				if strings.Contains(csp, s) {
					t.Errorf("CSP %q has %q", csp, s)
				}
			}
			if !strings.Contains(csp, "; connect-src "+tt.connectIs) {
				t.Errorf("CSP %q: want connect-src %s", csp, tt.connectIs)
			}
			if w.Header().Get("X-Frame-Options") != "DENY" || w.Header().Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("headers %v", w.Header())
			}
		})
	}
}

func TestAssetURLRewrite(t *testing.T) {
	h := newTest(t, Config{AssetURL: "https://cdn.example.com/v1"})
	body := get(h, "/").Body.String()
	for _, want := range []string{`src="https://cdn.example.com/v1/assets/index-abc123.js"`, `href="https://cdn.example.com/v1/assets/index-def456.css"`, `href="/favicon.svg"`} {
		if !strings.Contains(body, want) {
			t.Errorf("index lacks %s:\n%s", want, body)
		}
	}
	if strings.Contains(body, `"/assets/`) {
		t.Error("a local asset reference is left")
	}
	// The service worker caches what the page loads: the CDN's URLs.
	sw := get(h, "/sw.js", "Accept-Encoding", "gzip")
	if got := sw.Body.String(); got != `const SHELL=["/","https://cdn.example.com/v1/assets/index-abc123.js"]` || sw.Header().Get("Content-Encoding") != "" || sw.Header().Get("Cache-Control") != IndexCacheControl {
		t.Errorf("sw.js %q %v", got, sw.Header())
	}
}

func TestConfigJSON(t *testing.T) {
	h := newTest(t, Config{APIOrigin: "https://api.example.org/", WSURL: "wss://ws.example.org/api/v1/ws"})
	w := get(h, "/config.json")
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/json" || w.Header().Get("Cache-Control") != IndexCacheControl {
		t.Fatalf("%d %v", w.Code, w.Header())
	}
	var c map[string]string
	if err := json.Unmarshal(w.Body.Bytes(), &c); err != nil {
		t.Fatal(err)
	}
	if c["apiOrigin"] != "https://api.example.org" || c["wsUrl"] != "wss://ws.example.org/api/v1/ws" {
		t.Errorf("config %v", c)
	}
	w = get(newTest(t, Config{}), "/config.json")
	if strings.TrimSpace(w.Body.String()) != `{"apiOrigin":"","wsUrl":""}` {
		t.Errorf("default config %s", w.Body.String())
	}
}

func TestConfigValidation(t *testing.T) {
	for _, cfg := range []Config{
		{AssetURL: "cdn.example.com"},
		{AssetURL: "ftp://cdn.example.com/"},
		{APIOrigin: "https://api.example.org?x=1"},
		{WSURL: "https://ws.example.org"},
		{ConnectSrc: []string{"https://a.example; script-src *"}},
	} {
		if _, err := newHandler(testFS(), cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
	if _, err := newHandler(fstest.MapFS{}, Config{}); err == nil {
		t.Error("a build without index.html was accepted")
	}
}

func TestExport(t *testing.T) {
	dir := t.TempDir()
	if err := export(testFS(), dir, Config{AssetURL: "https://cdn.example.com/", APIOrigin: "https://chat.example.com"}); err != nil {
		t.Fatal(err)
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if got := read("config.json"); strings.TrimSpace(got) != `{"apiOrigin":"https://chat.example.com","wsUrl":""}` {
		t.Errorf("config.json %s", got)
	}
	if !strings.Contains(read("index.html"), `src="https://cdn.example.com/assets/index-abc123.js"`) {
		t.Error("index.html not rewritten")
	}
	for _, f := range []string{"assets/index-abc123.js", "assets/index-abc123.js.br", "assets/index-abc123.js.gz", "assets/nested/x-123abc.json", "favicon.svg"} {
		read(f)
	}
	if !strings.Contains(read("sw.js"), `"https://cdn.example.com/assets/index-abc123.js"`) {
		t.Error("sw.js not rewritten")
	}
	if _, err := os.Stat(filepath.Join(dir, "sw.js.gz")); err == nil {
		t.Error("a stale compressed sw.js was exported")
	}
}

// The real build must be embedded and servable.
func TestEmbeddedBuild(t *testing.T) {
	h, err := NewHandler(Config{})
	if err != nil {
		t.Fatal(err)
	}
	w := get(h, "/")
	if w.Code != 200 || !strings.Contains(w.Body.String(), `id="root"`) {
		t.Fatalf("index: %d", w.Code)
	}
	if strings.Contains(w.Body.String(), "<script>") {
		t.Error("inline script in index.html: the CSP forbids it")
	}
	for _, ref := range strings.Split(w.Body.String(), `"/assets/`)[1:] {
		path := "/assets/" + ref[:strings.IndexByte(ref, '"')]
		if a := get(h, path, "Accept-Encoding", "br"); a.Code != 200 || a.Header().Get("Cache-Control") != AssetCacheControl {
			t.Errorf("%s: %d %v", path, a.Code, a.Header())
		}
	}
	if !strings.Contains(w.Body.String(), `<link rel="manifest" href="/manifest.webmanifest"`) {
		t.Error("index.html does not link the manifest")
	}
	for path, ctype := range map[string]string{"/sw.js": "text/javascript; charset=utf-8", "/manifest.webmanifest": "application/manifest+json", "/icon-512.png": "image/png"} {
		if a := get(h, path); a.Code != 200 || a.Header().Get("Content-Type") != ctype {
			t.Errorf("%s: %d %v", path, a.Code, a.Header())
		}
	}
	// The worker caches exactly the build's hashed files: none missing, none stale.
	sw := get(h, "/sw.js").Body.String()
	for _, ref := range strings.Split(w.Body.String(), `"/assets/`)[1:] {
		if path := "/assets/" + ref[:strings.IndexByte(ref, '"')]; !strings.Contains(sw, `"`+path+`"`) {
			t.Errorf("sw.js does not cache %s", path)
		}
	}
	dir := t.TempDir()
	if err := Export(dir, Config{APIOrigin: "https://chat.example.com"}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "index.html")); err != nil {
		t.Error(err)
	}
}

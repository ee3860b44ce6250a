package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"mime"
	"path"
	"strings"
)

// file is one servable representation set: the identity bytes and any
// precompressed variants, each with its own strong ETag.
type file struct {
	ctype    string
	cache    string
	variants map[string]variant // by Content-Encoding; "" is identity
}

type variant struct {
	body []byte
	etag string
}

// encodings lists the precompressed variants we look for, best first, with
// the file suffix the build script writes.
var encodings = []struct{ name, suffix string }{{"br", ".br"}, {"gzip", ".gz"}}

// gzipIndexMin is the size under which compressing index.html is not worth it.
const gzipIndexMin = 512

func etagOf(b []byte, enc string) string {
	sum := sha256.Sum256(b)
	tag := hex.EncodeToString(sum[:12])
	if enc != "" {
		tag += "-" + enc // a strong ETag names one exact byte sequence
	}
	return `"` + tag + `"`
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".html":
		return "text/html; charset=utf-8"
	case ".json", ".map":
		return "application/json"
	case ".svg":
		return "image/svg+xml"
	case ".webmanifest":
		return "application/manifest+json"
	case ".woff2":
		return "font/woff2"
	case ".txt":
		return "text/plain; charset=utf-8"
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// isVariant reports whether name is a precompressed copy of another file.
func isVariant(name string) bool {
	for _, e := range encodings {
		if strings.HasSuffix(name, e.suffix) {
			return true
		}
	}
	return false
}

// loadFiles reads every file of fsys except index.html and the compressed
// copies, which it attaches to their originals. Keys are URL paths.
func loadFiles(fsys fs.FS) (map[string]*file, error) {
	files := map[string]*file{}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || isVariant(name) || name == "index.html" {
			return err
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		f := &file{ctype: contentType(name), cache: FileCacheControl, variants: map[string]variant{"": {body, etagOf(body, "")}}}
		if strings.HasPrefix("/"+name, AssetsPrefix) {
			f.cache = AssetCacheControl
		}
		if name == ServiceWorker {
			// Browsers look for a new worker on each load; an HTTP cache in
			// between would hide a deploy from them.
			f.cache = IndexCacheControl
		}
		for _, e := range encodings {
			if b, err := fs.ReadFile(fsys, name+e.suffix); err == nil {
				f.variants[e.name] = variant{b, etagOf(b, e.name)}
			}
		}
		files["/"+name] = f
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: reading the client: %w", err)
	}
	return files, nil
}

// renderIndex rewrites the root-relative asset references of index.html to
// AssetURL, so the browser fetches them from the CDN.
func renderIndex(fsys fs.FS, cfg Config) ([]byte, error) {
	b, err := fs.ReadFile(fsys, "index.html")
	if err != nil {
		return nil, fmt.Errorf("web: the client is not built (run `make web`): %w", err)
	}
	return rewriteAssetRefs(b, cfg), nil
}

// rewriteAssetRefs points quoted root-relative asset references at
// AssetURL: in index.html, and in sw.js, whose list of files to cache must
// name the URLs the page really loads.
func rewriteAssetRefs(b []byte, cfg Config) []byte {
	if cfg.AssetURL == "" {
		return b
	}
	to := cfg.AssetURL + strings.TrimPrefix(AssetsPrefix, "/")
	for _, q := range []string{`"`, `'`} {
		b = bytes.ReplaceAll(b, []byte(q+AssetsPrefix), []byte(q+to))
	}
	return b
}

// renderWorker is sw.js with its asset URLs rewritten, or nil when the
// build has none. Its precompressed copies would be stale, so it has none.
func renderWorker(fsys fs.FS, cfg Config) *file {
	b, err := fs.ReadFile(fsys, ServiceWorker)
	if err != nil || cfg.AssetURL == "" {
		return nil
	}
	b = rewriteAssetRefs(b, cfg)
	return &file{ctype: contentType(ServiceWorker), cache: IndexCacheControl, variants: map[string]variant{"": {b, etagOf(b, "")}}}
}

func indexFile(body []byte) (*file, error) {
	f := &file{ctype: "text/html; charset=utf-8", cache: IndexCacheControl, variants: map[string]variant{"": {body, etagOf(body, "")}}}
	if len(body) >= gzipIndexMin {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if _, err := zw.Write(body); err != nil {
			return nil, err
		}
		if err := zw.Close(); err != nil {
			return nil, err
		}
		f.variants["gzip"] = variant{buf.Bytes(), etagOf(buf.Bytes(), "gzip")}
	}
	return f, nil
}

// clientConfig is /config.json, read by the client at start-up.
type clientConfig struct {
	APIOrigin string `json:"apiOrigin"`
	WSURL     string `json:"wsUrl"`
}

func configFile(cfg Config) *file {
	b, _ := json.Marshal(clientConfig{APIOrigin: cfg.APIOrigin, WSURL: cfg.WSURL})
	b = append(b, '\n')
	return &file{ctype: "application/json", cache: IndexCacheControl, variants: map[string]variant{"": {b, etagOf(b, "")}}}
}

// Package web serves the React client embedded from dist/ (built by
// `npm run build`, committed so a clone without Node still builds): hashed
// assets cached for a year with precompressed variants, index.html for every
// client-side route with a strict Content-Security-Policy, and /config.json
// telling the client where the API is. Export writes the same files as a
// static site for an object store behind a CDN.
package web

import (
	"embed"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
)

// The client build. `all:` keeps files whose names start with '_' or '.'.
//
//go:embed all:dist
var dist embed.FS

// Cache-Control values.
const (
	// AssetCacheControl is for files under /assets/: their names carry a
	// content hash, so a change is a new URL and caches may keep them forever.
	AssetCacheControl = "public, max-age=31536000, immutable"
	// IndexCacheControl makes browsers and CDNs revalidate index.html and
	// config.json on every load, so a deploy is seen at once.
	IndexCacheControl = "no-cache"
	// FileCacheControl is for unhashed files at the root (favicon.svg…).
	FileCacheControl = "public, max-age=3600"
)

// AssetsPrefix is where Vite puts the hashed files.
const AssetsPrefix = "/assets/"

// ServiceWorker is the worker script at the root of the build (scripts/sw.mjs
// writes it): revalidated on every load like index.html.
const ServiceWorker = "sw.js"

// Config says where the client's parts live when they are not all on the
// server's own origin.
type Config struct {
	// AssetURL, e.g. https://cdn.example.com/, makes index.html load the
	// assets from there (the CDN serves the same files under assets/).
	AssetURL string
	// APIOrigin, e.g. https://chat.example.com, is the server the client
	// talks to; empty means the origin that served index.html.
	APIOrigin string
	// WSURL overrides the WebSocket URL, e.g. wss://ws.example.com/api/v1/ws;
	// empty means derived from APIOrigin or the page's origin.
	WSURL string
	// ConnectSrc lists extra origins the page may connect to (CSP connect-src).
	ConnectSrc []string
}

// normalize checks the URLs and gives AssetURL a trailing slash.
func (c Config) normalize() (Config, error) {
	if c.AssetURL != "" {
		if err := checkURL("asset URL", c.AssetURL, "http", "https"); err != nil {
			return c, err
		}
		if !strings.HasSuffix(c.AssetURL, "/") {
			c.AssetURL += "/"
		}
	}
	if c.APIOrigin != "" {
		if err := checkURL("API origin", c.APIOrigin, "http", "https"); err != nil {
			return c, err
		}
		c.APIOrigin = strings.TrimRight(c.APIOrigin, "/")
	}
	if c.WSURL != "" {
		if err := checkURL("WebSocket URL", c.WSURL, "ws", "wss"); err != nil {
			return c, err
		}
	}
	for _, s := range c.ConnectSrc {
		if strings.ContainsAny(s, " ;,'\"") || s == "" {
			return c, fmt.Errorf("web: connect-src %q: not a CSP source", s)
		}
	}
	return c, nil
}

func checkURL(what, s string, schemes ...string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("web: %s %q: %w", what, s, err)
	}
	for _, sc := range schemes {
		if u.Scheme == sc && u.Host != "" && u.RawQuery == "" && u.Fragment == "" {
			return nil
		}
	}
	return fmt.Errorf("web: %s %q: want an absolute %s URL without query", what, s, strings.Join(schemes, " or "))
}

// NewHandler serves the embedded client. It reads and hashes every file
// once, here, so requests only look up maps.
func NewHandler(cfg Config) (http.Handler, error) {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	return newHandler(sub, cfg)
}

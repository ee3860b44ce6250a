package web

import (
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

type handler struct {
	cfg    Config
	files  map[string]*file // by URL path, index.html excluded
	index  *file
	config *file
	// csp is the policy without connect-src, which depends on the request's host.
	csp        string
	connectSrc string
}

func newHandler(fsys fs.FS, cfg Config) (*handler, error) {
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	files, err := loadFiles(fsys)
	if err != nil {
		return nil, err
	}
	body, err := renderIndex(fsys, cfg)
	if err != nil {
		return nil, err
	}
	index, err := indexFile(body)
	if err != nil {
		return nil, err
	}
	if sw := renderWorker(fsys, cfg); sw != nil {
		files["/"+ServiceWorker] = sw
	}
	h := &handler{cfg: cfg, files: files, index: index, config: configFile(cfg)}
	h.csp, h.connectSrc = policy(cfg)
	return h, nil
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	p := r.URL.Path
	switch {
	case p == "/config.json":
		h.serve(w, r, h.config)
	case strings.HasPrefix(p, AssetsPrefix):
		f, ok := h.files[p]
		if !ok {
			// Never index.html here: a stale asset URL must fail loudly, not
			// be cached for a year as HTML.
			http.Error(w, "404 page not found", http.StatusNotFound)
			return
		}
		h.serve(w, r, f)
	case h.files[p] != nil:
		h.serve(w, r, h.files[p])
	default:
		// A client-side route (/rooms/…, /mentions…): the app decides.
		w.Header().Set("Content-Security-Policy", h.csp+"; connect-src "+h.connectSrc+pageWS(r))
		w.Header().Set("Referrer-Policy", "strict-origin-when-cross-origin")
		w.Header().Set("X-Frame-Options", "DENY")
		h.serve(w, r, h.index)
	}
}

// serve writes f's best variant for the request, or 304 when the client
// already has it.
func (h *handler) serve(w http.ResponseWriter, r *http.Request, f *file) {
	hd := w.Header()
	if len(f.variants) > 1 {
		hd.Add("Vary", "Accept-Encoding")
	}
	enc := negotiate(r.Header.Get("Accept-Encoding"), f)
	v := f.variants[enc]
	hd.Set("Content-Type", f.ctype)
	hd.Set("Cache-Control", f.cache)
	hd.Set("ETag", v.etag)
	if enc != "" {
		hd.Set("Content-Encoding", enc)
	}
	if etagMatch(r.Header.Get("If-None-Match"), v.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hd.Set("Content-Length", strconv.Itoa(len(v.body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(v.body)
	}
}

// negotiate picks the best encoding f has that Accept-Encoding allows
// ("" = identity). Encodings with q=0 are refused; "*" covers the rest.
func negotiate(accept string, f *file) string {
	if accept == "" || len(f.variants) == 1 {
		return ""
	}
	q := map[string]float64{}
	for _, part := range strings.Split(accept, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		val := 1.0
		if k, v, ok := strings.Cut(strings.TrimSpace(params), "="); ok && strings.TrimSpace(k) == "q" {
			if n, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
				val = n
			}
		}
		q[strings.ToLower(strings.TrimSpace(name))] = val
	}
	for _, e := range encodings {
		if _, ok := f.variants[e.name]; !ok {
			continue
		}
		v, ok := q[e.name]
		if !ok {
			v, ok = q["*"]
		}
		if ok && v > 0 {
			return e.name
		}
	}
	return ""
}

// etagMatch implements If-None-Match's weak comparison.
func etagMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

// policy builds the Content-Security-Policy: only our own origin, plus the
// asset origin for files and the API/WebSocket origins for connections. No
// inline script or style is allowed.
func policy(cfg Config) (csp, connect string) {
	files := "'self'"
	if o := origin(cfg.AssetURL); o != "" {
		files += " " + o
	}
	connect = "'self'"
	if o := origin(cfg.APIOrigin); o != "" {
		connect += " " + o + " " + wsOrigin(o)
	}
	if o := origin(cfg.WSURL); o != "" {
		connect += " " + o
	}
	for _, s := range cfg.ConnectSrc {
		connect += " " + s
	}
	csp = "default-src 'self'; script-src " + files + "; style-src " + files + "; img-src " + files + " data:; font-src " + files +
		"; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
	return csp, connect
}

// pageWS adds the page's own ws(s) origin: older browsers do not let
// 'self' cover WebSockets.
func pageWS(r *http.Request) string {
	if r.Host == "" || strings.ContainsAny(r.Host, " ;,'\"") {
		return ""
	}
	scheme := "ws://"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "wss://"
	}
	return " " + scheme + r.Host
}

func origin(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

func wsOrigin(httpOrigin string) string {
	if rest, ok := strings.CutPrefix(httpOrigin, "https://"); ok {
		return "wss://" + rest
	}
	return "ws://" + strings.TrimPrefix(httpOrigin, "http://")
}

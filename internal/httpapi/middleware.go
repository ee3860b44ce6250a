package httpapi

import (
	"bufio"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/origin"
	"github.com/open-chat/openchat/internal/requestid"
)

// withRequestID gives every request an id: the X-Request-Id it arrived
// with, if well-formed, else a new one. The edge middleware (internal/edge)
// deletes that header from requests not sent by a trusted proxy, so only a
// load balancer's id is taken over. The id goes back on the response, into
// the request context (log lines, error bodies).
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(requestid.Header)
		if !requestid.Valid(id) {
			id = requestid.New()
		}
		w.Header().Set(requestid.Header, id)
		next.ServeHTTP(w, r.WithContext(requestid.NewContext(r.Context(), id)))
	})
}

// servedBy names the instance on every response, so that behind a load
// balancer anyone can see which one answered. It is the outermost layer.
func servedBy(instanceID string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Served-By", instanceID)
		next.ServeHTTP(w, r)
	})
}

// apiHeaders sets the security headers of API responses. The web package
// sets its own (including Content-Security-Policy) on HTML.
func apiHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setAPIHeaders(w)
		next.ServeHTTP(w, r)
	})
}

func setAPIHeaders(w http.ResponseWriter) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer")
}

// routeInfo carries the metrics label of a request: the ServeMux pattern
// (never the raw path, to bound label cardinality), or a fixed name set by
// the catch-all.
type routeInfo struct {
	label string
	user  string // id of the signed-in user, set by requireUser
}

type routeKey struct{}

// setRoute overrides the label of the current request.
func setRoute(r *http.Request, label string) {
	if ri, ok := r.Context().Value(routeKey{}).(*routeInfo); ok {
		ri.label = label
	}
}

// setUser records the signed-in user of the current request for the
// access log.
func setUser(r *http.Request, id string) {
	if ri, ok := r.Context().Value(routeKey{}).(*routeInfo); ok {
		ri.user = id
	}
}

// probeRoutes are logged at DEBUG when they succeed: orchestrators call
// them every few seconds.
var probeRoutes = map[string]bool{"GET /healthz": true, "GET /readyz": true}

// Route labels of requests that match no API pattern.
const (
	routeUnmatched = "unmatched"
	routeWeb       = "web"
	routePreflight = "preflight"
)

// observe logs and measures every request and turns a panic into a 500.
// The access log line names the client address (as the edge saw it), the
// signed-in user, the status, the bytes of the body and the duration in
// milliseconds; the request id comes from the context.
func observe(log *slog.Logger, m chat.Metrics, mux registrar, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		_, pattern := mux.Handler(r)
		ri := &routeInfo{label: pattern}
		if pattern == "" || pattern == "/" {
			ri.label = routeUnmatched
		}
		r = r.WithContext(context.WithValue(r.Context(), routeKey{}, ri))
		nameSpan(r, ri.label, pattern)
		rec := &recorder{ResponseWriter: w}
		defer func() {
			p := recover()
			if p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.ErrorContext(r.Context(), "panic", "method", r.Method, "route", ri.label, "panic", p)
				if !rec.wrote {
					writeError(rec, r, log, errors.New("panic"))
				}
			}
			status, d := rec.statusCode(), time.Since(start)
			m.HTTPRequest(ri.label, status, d)
			level := slog.LevelInfo
			if probeRoutes[ri.label] && status < 400 {
				level = slog.LevelDebug
			}
			client, _, err := net.SplitHostPort(r.RemoteAddr)
			if err != nil {
				client = r.RemoteAddr
			}
			log.LogAttrs(r.Context(), level, "http", slog.String("method", r.Method), slog.String("path", r.URL.Path),
				slog.String("route", ri.label), slog.Int("status", status), slog.Int64("bytes", rec.bytes),
				slog.Float64("duration_ms", float64(d.Microseconds())/1000), slog.String("client", client), slog.String("user", ri.user))
		}()
		next.ServeHTTP(rec, r)
	})
}

// nameSpan names the request's trace span, if tracing records one, after
// its route ("GET /api/v1/rooms/{room_id}": few names, unlike paths) and
// tags it with the request id, so a user's quoted id finds the trace.
func nameSpan(r *http.Request, label, pattern string) {
	sp := trace.SpanFromContext(r.Context())
	if !sp.IsRecording() {
		return
	}
	sp.SetName(label)
	sp.SetAttributes(attribute.String("openchat.request_id", requestid.FromContext(r.Context())))
	if _, path, ok := strings.Cut(pattern, " "); ok {
		sp.SetAttributes(attribute.String("http.route", path))
	}
}

// recorder remembers the status of a response. It implements Hijacker
// itself (so an upgraded WebSocket is recorded as 101) and Flusher.
type recorder struct {
	http.ResponseWriter
	status int
	wrote  bool
	bytes  int64 // of the body
}

func (rec *recorder) WriteHeader(code int) {
	if !rec.wrote {
		rec.status, rec.wrote = code, code >= 200 || code == http.StatusSwitchingProtocols
	}
	rec.ResponseWriter.WriteHeader(code)
}

func (rec *recorder) Write(b []byte) (int, error) {
	if !rec.wrote {
		rec.status, rec.wrote = http.StatusOK, true
	}
	n, err := rec.ResponseWriter.Write(b)
	rec.bytes += int64(n)
	return n, err
}

func (rec *recorder) Flush() {
	if !rec.wrote {
		rec.status, rec.wrote = http.StatusOK, true
	}
	_ = http.NewResponseController(rec.ResponseWriter).Flush()
}

func (rec *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := http.NewResponseController(rec.ResponseWriter).Hijack()
	if err == nil && !rec.wrote {
		rec.status, rec.wrote = http.StatusSwitchingProtocols, true
	}
	return c, brw, err
}

func (rec *recorder) statusCode() int {
	if rec.status == 0 {
		return http.StatusOK
	}
	return rec.status
}

// CORS: methods and headers a cross-origin client of the API may use.
var (
	corsMethods = "GET, POST, PUT, PATCH, DELETE"
	corsHeaders = "Authorization, Content-Type"
	corsExpose  = "X-Served-By, X-Request-Id, Retry-After, RateLimit, RateLimit-Policy"
)

// corsMiddleware lets the listed origins call /api/ with credentials (an
// exported web client on a CDN). Other origins get no CORS headers, so
// browsers keep them out.
func corsMiddleware(origins []string, next http.Handler) http.Handler {
	if len(origins) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/api/") {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Add("Vary", "Origin")
		o := r.Header.Get("Origin")
		if !origin.Allowed(o, origins) {
			next.ServeHTTP(w, r)
			return
		}
		h.Set("Access-Control-Allow-Origin", o)
		h.Set("Access-Control-Allow-Credentials", "true")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			setRoute(r, routePreflight)
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
			h.Set("Access-Control-Allow-Methods", corsMethods)
			h.Set("Access-Control-Allow-Headers", corsHeaders)
			h.Set("Access-Control-Max-Age", strconv.Itoa(int(CORSMaxAge.Seconds())))
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.Set("Access-Control-Expose-Headers", corsExpose)
		next.ServeHTTP(w, r)
	})
}

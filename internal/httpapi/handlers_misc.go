package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/open-chat/openchat/docs"
	"github.com/open-chat/openchat/internal/chat"
)

// handleWS hands an authenticated request to the WebSocket package.
func handleWS(log *slog.Logger, ws http.Handler) http.Handler {
	return optional(log, ws, "WebSocket endpoint")
}

func optional(log *slog.Logger, h http.Handler, what string) http.Handler {
	if h != nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		errorf(w, r, log, chat.ENOTFOUND, "the %s is not enabled", what)
	})
}

func handleOpenAPI() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		_, _ = w.Write(docs.OpenAPI)
	})
}

// handleHealthz says the process is alive, and which build it runs; it
// checks nothing else.
func handleHealthz(version string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		encode(w, http.StatusOK, map[string]string{"status": "ok", "version": version})
	})
}

// handleReadyz says whether this instance can serve: its database answers
// within ReadyTimeout.
func handleReadyz(log *slog.Logger, svc *chat.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), ReadyTimeout)
		defer cancel()
		if err := svc.Ready(ctx); err != nil {
			log.WarnContext(ctx, "not ready", "err", err)
			errorf(w, r, log, chat.EUNAVAILABLE, "database unreachable")
			return
		}
		encode(w, http.StatusOK, map[string]string{"status": "ready"})
	})
}

// probeMethods are the methods tried to build the Allow header of a 405.
var probeMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// handleFallback answers what no route matched: 405 with Allow when the
// path exists under other methods, 404 JSON under the server's own
// prefixes, and the web client for everything else.
func handleFallback(log *slog.Logger, mux registrar, web http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var allow []string
		for _, m := range probeMethods {
			probe := r.WithContext(r.Context())
			probe.Method = m
			if _, p := mux.Handler(probe); p != "" && p != "/" {
				allow = append(allow, m)
			}
		}
		if len(allow) > 0 {
			setRoute(r, routeUnmatched)
			setAPIHeaders(w)
			w.Header().Set("Allow", strings.Join(allow, ", "))
			errorf(w, r, log, codeMethodNotAllowed, "method %s not allowed; use %s", r.Method, strings.Join(allow, ", "))
			return
		}
		if web == nil || reserved(r.URL.Path) {
			setRoute(r, routeUnmatched)
			setAPIHeaders(w)
			errorf(w, r, log, chat.ENOTFOUND, "no such route: %s %s", r.Method, r.URL.Path)
			return
		}
		setRoute(r, routeWeb)
		web.ServeHTTP(w, r)
	})
}

// reserved reports whether path belongs to the server rather than to the
// web client. /metrics is served only on the private --metrics-addr; here
// it stays a JSON 404, never the web client.
func reserved(path string) bool {
	for _, p := range []string{"/api", "/metrics", "/healthz", "/readyz"} {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

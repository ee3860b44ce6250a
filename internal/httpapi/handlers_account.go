package httpapi

import (
	"log/slog"
	"net"
	"net/http"

	"github.com/open-chat/openchat/internal/chat"
)

// The signed-in user's account: password, sessions, e-mail verification.
// Every session these routes end is closed on every instance, its
// WebSockets with 4001 (chat.Service revokes it).

// clientOf describes a request's client for the session list. RemoteAddr
// is the client's address: internal/edge rewrites it from trusted proxies.
func clientOf(r *http.Request) chat.Client {
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	return chat.Client{UserAgent: r.UserAgent(), Address: ip}
}

func handleChangePassword(log *slog.Logger, svc *chat.Service, maxBody int64) http.Handler {
	type request struct {
		CurrentPassword string `json:"current_password"`
		NewPassword     string `json:"new_password"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := decode[request](w, r, maxBody)
		if err == nil {
			err = svc.ChangePassword(r.Context(), user(r).ID, chat.SessionFromContext(r.Context()), in.CurrentPassword, in.NewPassword)
		}
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

func handleSessions(log *slog.Logger, svc *chat.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ss, err := svc.Sessions(r.Context(), user(r).ID, chat.SessionFromContext(r.Context()))
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		encode(w, http.StatusOK, map[string]any{"sessions": ss})
	})
}

// handleEndSession ends one of the caller's sessions; ending the current
// one also clears the cookie.
func handleEndSession(log *slog.Logger, svc *chat.Service, secure bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		current, err := svc.EndSession(r.Context(), user(r).ID, r.PathValue("session_id"), chat.SessionFromContext(r.Context()))
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		if current {
			http.SetCookie(w, sessionCookie("", -1, secure))
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// handleEndAllSessions signs the caller out everywhere, this session too.
func handleEndAllSessions(log *slog.Logger, svc *chat.Service, secure bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := svc.EndAllSessions(r.Context(), user(r).ID); err != nil {
			writeError(w, r, log, err)
			return
		}
		http.SetCookie(w, sessionCookie("", -1, secure))
		w.WriteHeader(http.StatusNoContent)
	})
}

func handleResendVerification(log *slog.Logger, svc *chat.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := svc.ResendVerification(r.Context(), user(r).ID); err != nil {
			writeError(w, r, log, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

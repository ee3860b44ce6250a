package httpapi

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// The user's own object (with e-mail and preference) is only sent to that
// user: sign-up, sign-in, GET and PATCH /me.

func handleSignUp(log *slog.Logger, svc *chat.Service, maxBody int64) http.Handler {
	type request struct {
		Username    string        `json:"username"`
		Email       string        `json:"email"`
		Password    string        `json:"password"`
		DisplayName string        `json:"display_name"`
		Language    chat.Language `json:"language"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := decode[request](w, r, maxBody)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		u, err := svc.SignUpFrom(r.Context(), clientOf(r).Address, chat.SignUpInput(in))
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		encode(w, http.StatusCreated, map[string]any{"user": u})
	})
}

// handleSignIn also sets the device cookie that lets this browser skip the
// per-account sign-in budget next time (see ratelimit.go).
func handleSignIn(log *slog.Logger, svc *chat.Service, maxBody int64, secure bool, secret []byte) http.Handler {
	type request struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := decode[request](w, r, maxBody)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		now := time.Now()
		token, u, err := svc.SignInFrom(r.Context(), chat.SignInAttempt{Username: in.Username, Password: in.Password,
			Client: clientOf(r), Device: deviceAccount(r, secret, now)})
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		http.SetCookie(w, sessionCookie(token, int(chat.SessionTTL.Seconds()), secure))
		if len(secret) > 0 {
			http.SetCookie(w, deviceCookie(secret, u.Username, now, secure))
		}
		w.Header().Set("Cache-Control", "no-store")
		encode(w, http.StatusCreated, map[string]any{"token": token, "user": u})
	})
}

func handleSignOut(log *slog.Logger, svc *chat.Service, secure bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, err := sessionToken(r, false)
		if err == nil {
			err = svc.SignOut(r.Context(), token)
		}
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		http.SetCookie(w, sessionCookie("", -1, secure))
		w.WriteHeader(http.StatusNoContent)
	})
}

func handleMe() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		encode(w, http.StatusOK, map[string]any{"user": user(r)})
	})
}

func handleUpdateMe(log *slog.Logger, svc *chat.Service, maxBody int64) http.Handler {
	type request struct {
		DisplayName        *string          `json:"display_name"`
		EmailNotifications *chat.NotifyPref `json:"email_notifications"`
		Language           *chat.Language   `json:"language"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := decode[request](w, r, maxBody)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		u, err := svc.UpdateMe(r.Context(), user(r).ID, chat.UserPatch(in))
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		encode(w, http.StatusOK, map[string]any{"user": u})
	})
}

func handleMentions(log *slog.Logger, svc *chat.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		before, err := queryInt(r, "before", 0)
		var limit int64
		if err == nil {
			limit, err = queryInt(r, "limit", chat.PageMaxLimit)
		}
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		ms, more, err := svc.Mentions(r.Context(), user(r).ID, before, int(limit))
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		encode(w, http.StatusOK, map[string]any{"mentions": ms, "has_more": more})
	})
}

func handleSearchUsers(log *slog.Logger, svc *chat.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		prefix := r.URL.Query().Get("prefix")
		limit, err := queryInt(r, "limit", chat.PageMaxLimit)
		switch {
		case err != nil:
		case len(prefix) > chat.UsernameMaxLen:
			err = chat.Invalid("prefix", "must be at most %d characters", chat.UsernameMaxLen)
		case limit == 0:
			limit = DefaultUserSearchLimit
		}
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		users, err := svc.SearchUsers(r.Context(), prefix, int(limit))
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		encode(w, http.StatusOK, map[string]any{"users": users})
	})
}

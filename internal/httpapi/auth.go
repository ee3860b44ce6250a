package httpapi

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/open-chat/openchat/internal/chat"
)

// requireUser authenticates a request by the Authorization: Bearer header
// or the session cookie (and, with allowQuery, by ?token=, for WebSocket
// clients that cannot set headers), puts the user in the request context
// and answers 401 otherwise.
func requireUser(log *slog.Logger, svc *chat.Service, allowQuery bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			token, err := sessionToken(r, allowQuery)
			var u chat.User
			var session string
			if err == nil {
				u, session, err = svc.AuthenticateSession(r.Context(), token)
			}
			if err != nil {
				if chat.ErrorCode(err) == chat.EUNAUTHORIZED {
					w.Header().Set("WWW-Authenticate", `Bearer realm="openchat"`)
				}
				writeError(w, r, log, err)
				return
			}
			setUser(r, u.ID)
			ctx := chat.NewContextWithSession(chat.NewContextWithUser(r.Context(), u), session)
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// sessionToken finds the credentials of a request. An Authorization header
// that is not a bearer token is an error rather than a reason to try the
// cookie, so a client never acts under an identity it did not send.
func sessionToken(r *http.Request, allowQuery bool) (string, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			return "", chat.Errorf(chat.EUNAUTHORIZED, "Authorization must be Bearer <token>")
		}
		return strings.TrimSpace(token), nil
	}
	if allowQuery {
		if t := r.URL.Query().Get("token"); t != "" {
			return t, nil
		}
	}
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		return c.Value, nil
	}
	return "", chat.Errorf(chat.EUNAUTHORIZED, "sign in first")
}

// user returns the signed-in user that requireUser put in the context.
func user(r *http.Request) chat.User {
	u, _ := chat.UserFromContext(r.Context())
	return u
}

// sessionCookie carries token for chat.SessionTTL; an empty token and
// maxAge -1 clear it.
func sessionCookie(token string, maxAge int, secure bool) *http.Cookie {
	return &http.Cookie{Name: SessionCookie, Value: token, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode}
}

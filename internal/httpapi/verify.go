package httpapi

import (
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"

	"github.com/open-chat/openchat/internal/chat"
)

// The link of verification e-mails. As with unsubscribe links, GET only
// shows a button, because mail scanners follow links: a scanner must not
// verify an address for someone who typed it at sign-up. The POST, from
// that button, verifies. The signed link is the credential: no session is
// needed.

// verifyParams reads the link's user, expiry and token.
func verifyParams(r *http.Request) (string, int64, string, error) {
	q := r.URL.Query()
	expires, err := strconv.ParseInt(q.Get("expires"), 10, 64)
	if err != nil || q.Get("user") == "" || q.Get("token") == "" {
		return "", 0, "", chat.Errorf(chat.EUNAUTHORIZED, "invalid verification link")
	}
	return q.Get("user"), expires, q.Get("token"), nil
}

func handleVerifyEmailPage(log *slog.Logger, svc *chat.Service, secret []byte) http.Handler {
	tmpl := template.Must(template.New("verify").Parse(unsubscribePage))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		userID, expires, token, err := verifyParams(r)
		var u chat.User
		if err == nil {
			u, err = svc.CheckVerifyLink(r.Context(), secret, userID, expires, token)
		}
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		action := "/api/v1/verify-email?" + url.Values{"user": {userID}, "expires": {strconv.FormatInt(expires, 10)}, "token": {token}}.Encode()
		renderPage(w, r, log, tmpl, pageView{Title: "Confirm your e-mail address",
			Text:   "Confirm that " + u.Email + " is the address of the OpenChat account " + u.Username + ".",
			Action: action, Button: "Confirm"})
	})
}

func handleVerifyEmail(log *slog.Logger, svc *chat.Service, secret []byte, maxBody int64) http.Handler {
	tmpl := template.Must(template.New("verified").Parse(unsubscribePage))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := readBody(w, r, maxBody); err != nil { // the form's body carries nothing
			writeError(w, r, log, err)
			return
		}
		userID, expires, token, err := verifyParams(r)
		if err == nil {
			_, err = svc.VerifyEmail(r.Context(), secret, userID, expires, token)
		}
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		renderPage(w, r, log, tmpl, pageView{Title: "E-mail address confirmed",
			Text: "Thank you. OpenChat will now send you the e-mails you asked for."})
	})
}

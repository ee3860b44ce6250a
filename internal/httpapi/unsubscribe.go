package httpapi

import (
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/open-chat/openchat/internal/chat"
)

// The unsubscribe link of mention e-mails (RFC 8058). GET only shows a
// button, because mail scanners follow links; the POST, from that button or
// from a mail client's one-click (List-Unsubscribe=One-Click, form-encoded
// or multipart), sets the preference to never. The signed token is the
// credential: no session is needed.

const unsubscribePage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>OpenChat – {{.Title}}</title>
<style>` + pageStyle + `</style></head>
<body>
<h1>{{.Title}}</h1>
<p>{{.Text}}</p>
{{if .Action}}<form method="post" action="{{.Action}}">
{{if .OneClick}}<input type="hidden" name="List-Unsubscribe" value="One-Click">
{{end}}<button type="submit">{{.Button}}</button>
</form>{{end}}
</body></html>
`

// pageStyle is the pages' only style; the CSP allows it by hash.
const pageStyle = `body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}`

// pageCSP is the web client's Content-Security-Policy (web.policy) for a
// page with no script and one inline style: nothing but the same origin,
// no framing (clickjacking a one-click button), forms posting only back
// here.
func pageCSP(style string) string {
	sum := sha256.Sum256([]byte(style))
	return "default-src 'self'; script-src 'self'; style-src 'self' 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
}

// pageView is a small HTML page (unsubscribe, e-mail verification): a
// title, a text and optionally a form that POSTs to Action.
type pageView struct {
	Title, Text, Action, Button string
	OneClick                    bool // the RFC 8058 body, for unsubscribe
}

// unsubscribeParams returns the user and token of a link signed with
// secret; EUNAUTHORIZED otherwise (also when no secret is configured, since
// an empty key would let anyone sign links).
func unsubscribeParams(r *http.Request, secret []byte) (string, string, error) {
	q := r.URL.Query()
	userID, token := q.Get("user"), q.Get("token")
	if len(secret) == 0 || userID == "" || !chat.CheckUnsubscribeToken(secret, userID, token) {
		return "", "", chat.Errorf(chat.EUNAUTHORIZED, "invalid unsubscribe link")
	}
	return userID, token, nil
}

func handleUnsubscribePage(log *slog.Logger, secret []byte) http.Handler {
	tmpl := template.Must(template.New("unsubscribe").Parse(unsubscribePage))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		userID, token, err := unsubscribeParams(r, secret)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		action := "/api/v1/unsubscribe?" + url.Values{"user": {userID}, "token": {token}}.Encode()
		renderPage(w, r, log, tmpl, pageView{Title: "Unsubscribe from mention e-mails",
			Text:   "You will no longer receive e-mails when someone mentions you. You can turn them back on in your settings.",
			Action: action, Button: "Unsubscribe", OneClick: true})
	})
}

func handleUnsubscribe(log *slog.Logger, svc *chat.Service, secret []byte, maxBody int64) http.Handler {
	tmpl := template.Must(template.New("unsubscribed").Parse(unsubscribePage))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The body says only "One-Click"; read it (bounded) and ignore it.
		if _, err := readBody(w, r, maxBody); err != nil {
			writeError(w, r, log, err)
			return
		}
		userID, token, err := unsubscribeParams(r, secret)
		if err == nil {
			err = svc.Unsubscribe(r.Context(), secret, userID, token)
		}
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		renderPage(w, r, log, tmpl, pageView{Title: "Unsubscribed",
			Text: "You will no longer receive e-mails when someone mentions you."})
	})
}

func renderPage(w http.ResponseWriter, r *http.Request, log *slog.Logger, tmpl *template.Template, v pageView) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", pageCSP(pageStyle))
	w.Header().Set("X-Frame-Options", "DENY")
	if err := tmpl.Execute(w, v); err != nil {
		log.ErrorContext(r.Context(), "render page", "err", err)
	}
}

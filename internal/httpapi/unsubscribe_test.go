package httpapi_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"html"
	"mime/multipart"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/httpapi"
)

func TestUnsubscribe(t *testing.T) {
	e := newEnv(t, nil)
	ada, adaToken := e.signUp(t, "ada")
	link := func(userID, token string) string {
		return "/api/v1/unsubscribe?" + url.Values{"user": {userID}, "token": {token}}.Encode()
	}
	good := link(ada.ID, chat.UnsubscribeToken(testSecret, ada.ID))
	pref := func() chat.NotifyPref {
		return must[struct{ User chat.User }](t, e.do(t, req{method: "GET", path: "/api/v1/me", token: adaToken}), 200).User.EmailNotifications
	}

	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	_ = mw.WriteField("List-Unsubscribe", "One-Click")
	_ = mw.Close()

	bad := []struct{ name, path string }{
		{"wrong token", link(ada.ID, "AAAA")},
		{"other user's token", link("someone-else", chat.UnsubscribeToken(testSecret, ada.ID))},
		{"other secret", link(ada.ID, chat.UnsubscribeToken([]byte("other"), ada.ID))},
		{"missing token", "/api/v1/unsubscribe?user=" + ada.ID},
		{"missing everything", "/api/v1/unsubscribe"},
	}
	for _, c := range bad {
		for _, method := range []string{"GET", "POST"} {
			t.Run(method+" "+c.name, func(t *testing.T) {
				wantError(t, e.do(t, req{method: method, path: c.path, body: "List-Unsubscribe=One-Click", ctype: "application/x-www-form-urlencoded"}), 401, "unauthorized", "")
			})
		}
	}
	if p := pref(); p != chat.NotifyAlways {
		t.Fatalf("preference after bad links = %q", p)
	}

	t.Run("GET shows a button and changes nothing", func(t *testing.T) {
		rec := e.do(t, req{method: "GET", path: good})
		body := rec.Body.String()
		if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") ||
			!strings.Contains(body, `method="post"`) || !strings.Contains(html.UnescapeString(body), `action="`+good+`"`) {
			t.Fatalf("page = %d %s", rec.Code, body)
		}
		if p := pref(); p != chat.NotifyAlways {
			t.Errorf("preference after GET = %q", p)
		}
		checkPageHeaders(t, rec)
	})

	posts := []struct{ name, body, ctype string }{
		{"one-click form", "List-Unsubscribe=One-Click", "application/x-www-form-urlencoded"},
		{"multipart", mp.String(), mw.FormDataContentType()},
		{"empty body", "", "-"},
	}
	for _, c := range posts {
		t.Run("POST "+c.name, func(t *testing.T) {
			if _, err := e.svc.UpdateMe(t.Context(), ada.ID, chat.UserPatch{EmailNotifications: ptr(chat.NotifyAlways)}); err != nil {
				t.Fatal(err)
			}
			rec := e.do(t, req{method: "POST", path: good, body: c.body, ctype: c.ctype})
			if rec.Code != 200 || !strings.Contains(rec.Body.String(), "no longer") {
				t.Fatalf("POST = %d %s", rec.Code, rec.Body)
			}
			if p := pref(); p != chat.NotifyNever {
				t.Errorf("preference = %q, want never", p)
			}
			checkPageHeaders(t, rec)
		})
	}

	t.Run("body over the limit", func(t *testing.T) {
		rec := e.do(t, req{method: "POST", path: good, body: strings.Repeat("x", httpapi.DefaultMaxBodyBytes+1), ctype: "application/x-www-form-urlencoded"})
		wantError(t, rec, 413, "too_large", "")
	})

	t.Run("no secret configured", func(t *testing.T) {
		noSecret := newEnv(t, func(c *httpapi.Config, _ *httpapi.Deps) { c.Secret = nil })
		u, _ := noSecret.signUp(t, "bob")
		forged := link(u.ID, chat.UnsubscribeToken(nil, u.ID))
		for _, m := range []string{"GET", "POST"} {
			wantError(t, noSecret.do(t, req{method: m, path: forged}), 401, "unauthorized", "")
		}
	})
}

// checkPageHeaders: the page may not be framed (a one-click button is a
// clickjacking target), runs no script and loads nothing from elsewhere;
// its one inline style is allowed by its hash.
func checkPageHeaders(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	csp := rec.Header().Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "script-src 'self';", "frame-ancestors 'none'", "object-src 'none'",
		"base-uri 'none'", "form-action 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows inline code: %q", csp)
	}
	body := rec.Body.String()
	i, j := strings.Index(body, "<style>"), strings.Index(body, "</style>")
	if i < 0 || j < i {
		t.Fatalf("no style element in %s", body)
	}
	sum := sha256.Sum256([]byte(body[i+len("<style>") : j]))
	if h := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(csp, "style-src 'self' "+h) {
		t.Errorf("CSP %q does not allow the page's style %s", csp, h)
	}
	if strings.Contains(body, "style=") || strings.Contains(body, "<script") {
		t.Errorf("inline style attribute or script in %s", body)
	}
	for h, want := range map[string]string{"X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"} {
		if got := rec.Header().Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
}

func ptr[T any](v T) *T { return &v }

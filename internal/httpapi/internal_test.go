package httpapi

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/open-chat/openchat/internal/chat"
)

func TestDeviceCookie(t *testing.T) {
	secret, now := []byte("s3cret"), time.Unix(1_700_000_000, 0)
	good := deviceCookie(secret, "ada", now, true)
	if !good.HttpOnly || !good.Secure || good.Path != devicePath || good.MaxAge <= 0 {
		t.Fatalf("cookie = %+v", good)
	}
	forged := *good
	forged.Value = strings.Replace(good.Value, base64.RawURLEncoding.EncodeToString([]byte("ada")),
		base64.RawURLEncoding.EncodeToString([]byte("bob")), 1)
	tests := []struct {
		name   string
		cookie *http.Cookie
		secret []byte
		at     time.Time
		want   string
	}{
		{"valid", good, secret, now, "ada"},
		{"near expiry", good, secret, now.Add(deviceCookieTTL), "ada"},
		{"expired", good, secret, now.Add(deviceCookieTTL + time.Second), ""},
		{"other secret", good, []byte("other"), now, ""},
		{"no secret", good, nil, now, ""},
		{"account swapped", &forged, secret, now, ""},
		{"garbage", &http.Cookie{Name: DeviceCookie, Value: "a.b.c"}, secret, now, ""},
		{"none", nil, secret, now, ""},
	}
	for _, tc := range tests {
		r := httptest.NewRequest("POST", "/api/v1/sessions", nil)
		if tc.cookie != nil {
			r.AddCookie(tc.cookie)
		}
		if got := deviceAccount(r, tc.secret, tc.at); got != tc.want {
			t.Errorf("%s: account %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestRateLimitHeaders(t *testing.T) {
	tests := []struct {
		limit                         chat.Limit
		d                             chat.RateDecision
		retryAfter, policy, ratelimit string
	}{
		{chat.Limit{Name: "posts", Quota: 40, Window: 2 * time.Second}, chat.RateDecision{RetryAfter: 50 * time.Millisecond, Reset: 2 * time.Second},
			"1", `"posts";q=40;w=2`, `"posts";r=0;t=2`},
		{chat.Limit{Name: "signin-account", Quota: 20, Window: time.Hour}, chat.RateDecision{RetryAfter: 179500 * time.Millisecond, Reset: 3599 * time.Second},
			"180", `"signin-account";q=20;w=3600`, `"signin-account";r=0;t=3599`},
	}
	for _, tc := range tests {
		h := http.Header{}
		setRateLimitHeaders(h, &chat.RateLimitError{Err: chat.Errorf(chat.ERATELIMITED, "x"), Limit: tc.limit, Decision: tc.d})
		if h.Get("Retry-After") != tc.retryAfter || h.Get("RateLimit-Policy") != tc.policy || h.Get("RateLimit") != tc.ratelimit {
			t.Errorf("%s: headers %v", tc.limit.Name, h)
		}
	}
}

func TestErrorStatus(t *testing.T) {
	for code, want := range map[string]int{
		chat.EINVALID: 422, chat.EBADREQUEST: 400, chat.EUNAUTHORIZED: 401, chat.EFORBIDDEN: 403,
		chat.ENOTFOUND: 404, chat.ECONFLICT: 409, chat.ETOOLARGE: 413, chat.EUNSUPPORTED: 415,
		chat.ERATELIMITED: 429, chat.EUNAVAILABLE: 503, chat.EINTERNAL: 500, codeMethodNotAllowed: 405,
		"something new": http.StatusInternalServerError,
	} {
		if got := errorStatus(code); got != want {
			t.Errorf("errorStatus(%q) = %d, want %d", code, got, want)
		}
	}
}

func TestConfigDefaults(t *testing.T) {
	c := Config{}.withDefaults()
	if c.MaxBodyBytes != DefaultMaxBodyBytes {
		t.Errorf("defaults = %+v", c)
	}
	c = Config{MaxBodyBytes: 10}.withDefaults()
	if c.MaxBodyBytes != 10 {
		t.Errorf("explicit values changed: %+v", c)
	}
}

// FuzzDecode: the JSON body decoder never panics and never fails as an
// internal error; what it accepts is valid UTF-8 within the size limit.
func FuzzDecode(f *testing.F) {
	type request struct {
		Body     string `json:"body"`
		ClientID string `json:"client_id"`
	}
	for _, s := range []string{
		`{"body":"Hello, @bob!","client_id":"c-1"}`, `{"body":"x"} {}`, `{"body":1}`, `{"nope":true}`, `[]`, `null`, ``,
		`{"body":"\u00e9\ud83d\ude00"}`, "{\"body\":\"\xff\"}", `{"body":"` + strings.Repeat("a", 300) + `"}`,
	} {
		f.Add([]byte(s), "application/json")
	}
	f.Add([]byte(`{"body":"x"}`), "text/plain")
	f.Add([]byte(`{"body":"x"}`), "application/json; charset=utf-8")
	const limit = 256
	f.Fuzz(func(t *testing.T, body []byte, ctype string) {
		r := httptest.NewRequest(http.MethodPost, "/api/v1/rooms/r/messages", bytes.NewReader(body))
		r.Header.Set("Content-Type", ctype)
		_, err := decode[request](httptest.NewRecorder(), r, limit)
		if err != nil {
			if status := errorStatus(chat.ErrorCode(err)); status >= 500 {
				t.Fatalf("%q (%s): status %d: %v", body, ctype, status, err)
			}
			return
		}
		if len(body) > limit || !utf8.Valid(body) {
			t.Fatalf("accepted %q", body)
		}
	})
}

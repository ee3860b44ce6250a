package httpapi

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/time/rate"

	"github.com/open-chat/openchat/internal/chat"
)

func TestIPLimiter(t *testing.T) {
	now := time.Now()
	l := newIPLimiter(rate.Every(time.Minute), 2, 3)
	for i, want := range []bool{true, true, false} {
		ok, wait := l.allow("a", now)
		if ok != want || (!ok && (wait <= 0 || wait > time.Minute)) {
			t.Fatalf("attempt %d: ok=%v wait=%v", i, ok, wait)
		}
	}
	if ok, _ := l.allow("b", now); !ok {
		t.Fatal("b limited by a's budget")
	}
	l.allow("c", now)
	// At the bound with nobody idle, the limiter starts over rather than grow.
	l.allow("d", now)
	if n := len(l.clients); n != 1 {
		t.Errorf("tracked %d IPs, want 1 after the reset", n)
	}
	l.allow("e", now)
	l.allow("f", now)
	// Later every bucket has refilled: those clients are forgotten, losslessly.
	later := now.Add(3 * time.Minute)
	if ok, _ := l.allow("g", later); !ok {
		t.Fatal("g limited")
	}
	if n := len(l.clients); n != 1 {
		t.Errorf("tracked %d IPs, want only g", n)
	}
	if ok, _ := newIPLimiter(rate.Inf, 1, 1).allow("a", now); !ok {
		t.Error("rate.Inf must not limit")
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
	if c.MaxBodyBytes != DefaultMaxBodyBytes || c.AuthRate != DefaultAuthRate || c.AuthBurst != DefaultAuthBurst {
		t.Errorf("defaults = %+v", c)
	}
	c = Config{MaxBodyBytes: 10, AuthRate: rate.Inf, AuthBurst: 1}.withDefaults()
	if c.MaxBodyBytes != 10 || c.AuthRate != rate.Inf || c.AuthBurst != 1 {
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

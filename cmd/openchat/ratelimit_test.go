package main

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/redis/redistest"
)

// TestPostLimitAcrossTransports: --ratelimit-posts is one budget per user
// over HTTP and every WebSocket connection; --ratelimit-rooms limits room
// creation. Refusals are 429 with the rate-limit headers, or rate_limited
// frames with retry_after_ms.
func TestPostLimitAcrossTransports(t *testing.T) {
	srv := startServer(t, "--ratelimit-posts", "4/1h", "--ratelimit-rooms", "1/1h")
	ada := signUp(t, srv.URL, "ada")
	var room struct{ Room chat.Room }
	ada.must(201, "POST", "/api/v1/rooms", map[string]string{"name": "general"}, &room)
	wantLimited := func(r response, policy string) {
		t.Helper()
		if r.Status != http.StatusTooManyRequests || !strings.Contains(string(r.Body), `"code":"rate_limited"`) {
			t.Fatalf("status %d %s, want 429 rate_limited", r.Status, r.Body)
		}
		if ra, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || ra < 1 {
			t.Errorf("Retry-After = %q", r.Header.Get("Retry-After"))
		}
		if got := r.Header.Get("RateLimit-Policy"); got != policy {
			t.Errorf("RateLimit-Policy = %q, want %q", got, policy)
		}
		if got := r.Header.Get("RateLimit"); !strings.HasPrefix(got, strings.SplitN(policy, ";", 2)[0]+";r=0;t=") {
			t.Errorf("RateLimit = %q", got)
		}
	}
	wantLimited(ada.do("POST", "/api/v1/rooms", map[string]string{"name": "second"}), `"rooms";q=1;w=3600`)

	path := "/api/v1/rooms/" + room.Room.ID + "/messages"
	ada.must(201, "POST", path, map[string]string{"body": "one"}, nil)
	ada.must(201, "POST", path, map[string]string{"body": "two"}, nil)
	a, b := dialWS(t, srv.URL, ada.token), dialWS(t, srv.URL, ada.token)
	for i, c := range []*wsClient{a, b} {
		c.send(map[string]string{"type": "send", "room_id": room.Room.ID, "body": "ws", "client_id": fmt.Sprint("c", i)})
		if f := c.next("ack"); f.ClientID != fmt.Sprint("c", i) {
			t.Fatalf("ack %+v", f)
		}
	}
	a.send(map[string]string{"type": "send", "room_id": room.Room.ID, "body": "fifth", "client_id": "c5"})
	if f := a.next("error"); f.Code != chat.ERATELIMITED || f.RetryMS <= 0 {
		t.Fatalf("fifth post over WebSocket: %+v", f)
	}
	wantLimited(ada.do("POST", path, map[string]string{"body": "sixth"}), `"posts";q=4;w=3600`)
	bob := signUp(t, srv.URL, "bob")
	bob.must(201, "POST", path, map[string]string{"body": "bob's own budget"}, nil)
}

// TestSignInGuessesAcrossAddresses: with the default limits, 300 guesses
// at one account, each from its own loopback address, get at most the
// per-account quota of answers; the owner's browser (device cookie) still
// signs in, and a new browser of the owner waits like the attacker.
func TestSignInGuessesAcrossAddresses(t *testing.T) {
	srv := startServer(t)
	jar, _ := cookiejar.New(nil)
	owner := &http.Client{Jar: jar}
	post := func(hc *http.Client, path, body string) *http.Response {
		t.Helper()
		resp, err := hc.Post(srv.URL+path, "application/json", bytes.NewBufferString(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	const login = `{"username":"ada","password":"correct horse battery"}`
	if r := post(owner, "/api/v1/users", `{"username":"ada","email":"ada@example.org","password":"correct horse battery"}`); r.StatusCode != 201 {
		t.Fatalf("sign-up: %d", r.StatusCode)
	}
	if r := post(owner, "/api/v1/sessions", login); r.StatusCode != 201 {
		t.Fatalf("owner's first sign-in: %d", r.StatusCode)
	}
	from := func(ip string) *http.Client {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
		return &http.Client{Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}}
	}
	evaluated, refused := 0, 0
	for i := range 300 {
		r := post(from(fmt.Sprintf("127.0.%d.%d", 1+i/250, 1+i%250)), "/api/v1/sessions", fmt.Sprintf(`{"username":"ada","password":"guess %d"}`, i))
		switch r.StatusCode {
		case http.StatusUnauthorized:
			evaluated++
		case http.StatusTooManyRequests:
			refused++
		default:
			t.Fatalf("guess %d: status %d", i, r.StatusCode)
		}
	}
	// signin-account-short lets 5 through at once (one went to the owner),
	// then one per 12 s; signin-account caps the burst at 10.
	if evaluated < 4 || evaluated > 9 {
		t.Fatalf("%d guesses evaluated, %d refused; want 4 to 9 evaluated", evaluated, refused)
	}
	if r := post(from("127.0.9.9"), "/api/v1/sessions", login); r.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("owner from a new browser: %d, want 429", r.StatusCode)
	}
	if r := post(owner, "/api/v1/sessions", login); r.StatusCode != 201 {
		t.Fatalf("owner's known browser: %d, want 201", r.StatusCode)
	}
}

// TestLimitsSharedAcrossInstances: with --redis-url, a user's budget is
// one for the whole deployment, whichever instance answers.
func TestLimitsSharedAcrossInstances(t *testing.T) {
	redisURL, prefix := redistest.URL(t)
	_, srvs := cluster(t, 2, redisURL, prefix, "--ratelimit-rooms", "2/1h")
	ada := signUp(t, srvs[0].URL, "ada")
	onB := &client{t: t, base: srvs[1].URL, token: ada.token}
	ada.must(201, "POST", "/api/v1/rooms", map[string]string{"name": "one"}, nil)
	onB.must(201, "POST", "/api/v1/rooms", map[string]string{"name": "two"}, nil)
	if r := ada.do("POST", "/api/v1/rooms", map[string]string{"name": "three"}); r.Status != http.StatusTooManyRequests {
		t.Fatalf("third room: %d %s, want 429", r.Status, r.Body)
	}
	if r := onB.do("POST", "/api/v1/rooms", map[string]string{"name": "four"}); r.Status != http.StatusTooManyRequests {
		t.Fatalf("fourth room on B: %d %s, want 429", r.Status, r.Body)
	}
}

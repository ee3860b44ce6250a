package httpapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/httpapi"
	"github.com/open-chat/openchat/internal/memory"
)

// newLimitedEnv is a server whose service enforces limits with an
// in-process limiter.
func newLimitedEnv(t *testing.T, limits ...chat.Limit) *env {
	t.Helper()
	return newEnvWith(t, func(d *chat.Deps) {
		d.Config.Limits = limits
		d.RateLimiter = memory.NewRateLimiter(0, nil)
	}, nil)
}

func hourly(name string, quota int) chat.Limit {
	return chat.Limit{Name: name, Quota: quota, Window: time.Hour}
}

// The fields of draft-ietf-httpapi-ratelimit-headers-10 as we send them.
var (
	policyField    = regexp.MustCompile(`^"([a-z-]+)";q=([1-9][0-9]*);w=([1-9][0-9]*)$`)
	rateLimitField = regexp.MustCompile(`^"([a-z-]+)";r=([0-9]+);t=([0-9]+)$`)
)

// wantLimited checks a 429: the JSON error and well-formed Retry-After,
// RateLimit-Policy and RateLimit headers naming limit.
func wantLimited(t *testing.T, rec *httptest.ResponseRecorder, limit chat.Limit) {
	t.Helper()
	wantError(t, rec, http.StatusTooManyRequests, chat.ERATELIMITED, "")
	h := rec.Header()
	if ra, err := strconv.Atoi(h.Get("Retry-After")); err != nil || ra < 1 || ra > int(limit.Interval().Seconds())+1 {
		t.Errorf("Retry-After = %q, want 1 to %v s", h.Get("Retry-After"), limit.Interval())
	}
	p := policyField.FindStringSubmatch(h.Get("RateLimit-Policy"))
	if p == nil || p[1] != limit.Name || p[2] != strconv.Itoa(limit.Quota) || p[3] != strconv.Itoa(int(limit.Window.Seconds())) {
		t.Errorf("RateLimit-Policy = %q, want %q;q=%d;w=%v", h.Get("RateLimit-Policy"), limit.Name, limit.Quota, limit.Window.Seconds())
	}
	r := rateLimitField.FindStringSubmatch(h.Get("RateLimit"))
	if r == nil || r[1] != limit.Name || r[2] != "0" {
		t.Errorf("RateLimit = %q, want %q;r=0;t=…", h.Get("RateLimit"), limit.Name)
	} else if reset, _ := strconv.Atoi(r[3]); reset < 1 || reset > int(limit.Window.Seconds()) {
		t.Errorf("RateLimit t=%d out of (0, %v]", reset, limit.Window.Seconds())
	}
}

// TestPostAndRoomLimits: posts and room creation are limited per user;
// refusals answer 429 with the rate-limit headers and change nothing.
func TestPostAndRoomLimits(t *testing.T) {
	posts, rooms := hourly(chat.LimitPosts, 3), hourly(chat.LimitRooms, 2)
	e := newLimitedEnv(t, posts, rooms)
	_, ada := e.signUp(t, "ada")
	_, bob := e.signUp(t, "bob")
	room := e.createRoom(t, ada, "general")
	e.createRoom(t, ada, "random")
	wantLimited(t, e.do(t, req{method: "POST", path: "/api/v1/rooms", token: ada, body: `{"name":"third"}`}), rooms)
	for i := range 3 {
		e.post(t, ada, room.ID, fmt.Sprint("hello ", i))
	}
	wantLimited(t, e.do(t, req{method: "POST", path: "/api/v1/rooms/" + room.ID + "/messages", token: ada, body: `{"body":"one more"}`}), posts)
	e.post(t, bob, room.ID, "bob has his own budget")
	e.createRoom(t, bob, "bobs")
	page := must[struct{ Messages []chat.Message }](t, e.do(t, req{method: "GET", path: "/api/v1/rooms/" + room.ID + "/messages", token: ada}), 200)
	if len(page.Messages) != 4 {
		t.Errorf("%d messages stored, want 4", len(page.Messages))
	}
}

// TestSignUpSignInAddressLimits: each address has its own sign-up and
// sign-in budgets.
func TestSignUpSignInAddressLimits(t *testing.T) {
	signUp, signIn := hourly(chat.LimitSignUpAddress, 2), hourly(chat.LimitSignInAddress, 2)
	e := newLimitedEnv(t, signUp, signIn)
	e.signUp(t, "ada") // one sign-up and one sign-in from testIP
	e.signUp(t, "bob")
	newUser := `{"username":"cat","email":"cat@example.org","password":"` + testPassword + `"}`
	wantLimited(t, e.do(t, req{method: "POST", path: "/api/v1/users", body: newUser}), signUp)
	login := `{"username":"ada","password":"` + testPassword + `"}`
	wantLimited(t, e.do(t, req{method: "POST", path: "/api/v1/sessions", body: login}), signIn)

	other := "198.51.100.7:1000"
	must[struct{ User chat.User }](t, e.do(t, req{method: "POST", path: "/api/v1/users", body: newUser, remote: other}), 201)
	must[struct{ Token string }](t, e.do(t, req{method: "POST", path: "/api/v1/sessions", body: login, remote: other}), 201)
	// One IPv6 /64 is one address.
	v6 := `{"username":"dan","email":"dan@example.org","password":"` + testPassword + `"}`
	must[struct{ User chat.User }](t, e.do(t, req{method: "POST", path: "/api/v1/users", body: v6, remote: "[2001:db8::1]:1"}), 201)
	v6 = `{"username":"eve","email":"eve@example.org","password":"` + testPassword + `"}`
	must[struct{ User chat.User }](t, e.do(t, req{method: "POST", path: "/api/v1/users", body: v6, remote: "[2001:db8::2]:1"}), 201)
	v6 = `{"username":"fay","email":"fay@example.org","password":"` + testPassword + `"}`
	wantLimited(t, e.do(t, req{method: "POST", path: "/api/v1/users", body: v6, remote: "[2001:db8::ffff]:1"}), signUp)
}

// TestSignInPerAccountAcrossAddresses: 300 guesses at one account, each
// from another address, get 20 answers; the rest are refused before the
// password is checked. The owner's browser, known by its device cookie,
// still signs in; a browser without it waits like the attacker.
func TestSignInPerAccountAcrossAddresses(t *testing.T) {
	account := hourly(chat.LimitSignInAccount, 21)
	e := newLimitedEnv(t, account, hourly(chat.LimitSignInAddress, 5))
	e.signUp(t, "ada") // the owner signs in once from testIP: 1 of 21
	rec := e.do(t, req{method: "POST", path: "/api/v1/sessions", body: `{"username":"ada","password":"` + testPassword + `"}`, remote: "192.0.2.9:1"})
	must[struct{ Token string }](t, rec, 201) // 2 of 21 (a new browser)
	var device *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == httpapi.DeviceCookie {
			device = c
		}
	}
	if device == nil || !device.HttpOnly || device.Path != "/api/v1/sessions" {
		t.Fatalf("device cookie = %+v", device)
	}
	evaluated := 0
	for i := range 300 {
		rec := e.do(t, req{method: "POST", path: "/api/v1/sessions", body: `{"username":"ada","password":"guess ` + strconv.Itoa(i) + `"}`,
			remote: fmt.Sprintf("127.0.%d.%d:1", i/250, 1+i%250)})
		switch rec.Code {
		case http.StatusUnauthorized:
			evaluated++
		case http.StatusTooManyRequests:
			wantLimited(t, rec, account)
		default:
			t.Fatalf("guess %d: %d %s", i, rec.Code, rec.Body)
		}
	}
	if evaluated != 19 {
		t.Fatalf("%d guesses evaluated, want 19", evaluated)
	}
	login := req{method: "POST", path: "/api/v1/sessions", body: `{"username":"ada","password":"` + testPassword + `"}`, remote: "192.0.2.9:1"}
	wantLimited(t, e.do(t, login), account)
	login.header = http.Header{"Cookie": {device.Name + "=" + device.Value}}
	must[struct{ Token string }](t, e.do(t, login), 201)
	login.remote = "203.0.113.5:1" // the same browser on another network
	must[struct{ Token string }](t, e.do(t, login), 201)
}

// TestInviteLimit: invitations and direct rooms share the inviter's
// budget; joining a public room yourself does not count.
func TestInviteLimit(t *testing.T) {
	invites := hourly(chat.LimitInvites, 2)
	e := newLimitedEnv(t, invites)
	_, ada := e.signUp(t, "ada")
	bob, bobToken := e.signUp(t, "bob")
	carol, _ := e.signUp(t, "carol")
	room := e.createRoom(t, ada, "general")
	put := func(token, userID string) *httptest.ResponseRecorder {
		return e.do(t, req{method: "PUT", path: "/api/v1/rooms/" + room.ID + "/members/" + userID, token: token})
	}
	if rec := put(bobToken, bob.ID); rec.Code != http.StatusNoContent {
		t.Fatalf("bob joins: %d %s", rec.Code, rec.Body)
	}
	if rec := put(ada, carol.ID); rec.Code != http.StatusNoContent {
		t.Fatalf("invite carol: %d %s", rec.Code, rec.Body)
	}
	must[struct{ Room chat.Room }](t, e.do(t, req{method: "POST", path: "/api/v1/dms", token: ada, body: `{"user_ids":["` + bob.ID + `"]}`}), http.StatusCreated)
	wantLimited(t, e.do(t, req{method: "POST", path: "/api/v1/dms", token: ada, body: `{"user_ids":["` + carol.ID + `"]}`}), invites)
	wantLimited(t, put(ada, bob.ID), invites)
}

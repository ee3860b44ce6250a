package chat_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/memory"
	"github.com/open-chat/openchat/internal/password"
	"github.com/open-chat/openchat/internal/sqlite"
)

// flakyLimiter is the in-process limiter that can be made to fail,
// standing in for a Redis that is down.
type flakyLimiter struct {
	chat.RateLimiter
	down atomic.Bool
}

func (f *flakyLimiter) Allow(ctx context.Context, l chat.Limit, key string) (chat.RateDecision, error) {
	if f.down.Load() {
		return chat.RateDecision{}, errors.New("limiter down")
	}
	return f.RateLimiter.Allow(ctx, l, key)
}

// RateLimited counts rate-limit outcomes as "limit/outcome", beside the
// cache outcomes.
func (c *counting) RateLimited(limit, outcome string) { c.Cache(limit, outcome) }

// newLimitedService returns a Service with limits (hour windows, so nothing
// refills during a test), a flaky shared limiter and, if fallback, an
// in-process fallback.
func newLimitedService(t *testing.T, fallback bool, limits ...chat.Limit) (*chat.Service, *flakyLimiter, *counting) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "t.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ps := memory.NewPubSub()
	t.Cleanup(func() { ps.Close() })
	lim := &flakyLimiter{RateLimiter: memory.NewRateLimiter(0, nil)}
	m := &counting{seen: map[string]int{}}
	d := chat.Deps{Store: st, Cache: memory.NewCache(memory.CacheConfig{}), PubSub: ps, Metrics: m,
		Hasher: password.NewArgon2id(password.Params{Memory: 64, Time: 1, Threads: 1}),
		Config: chat.ServiceConfig{Limits: limits}, RateLimiter: lim}
	if fallback {
		d.RateLimiterFallback = memory.NewRateLimiter(0, nil)
	}
	return chat.NewService(d), lim, m
}

func perHour(name string, quota int) chat.Limit {
	return chat.Limit{Name: name, Quota: quota, Window: time.Hour}
}

// TestLimitsInService: each limited action is refused past its quota with
// a *RateLimitError, per key, and counted.
func TestLimitsInService(t *testing.T) {
	ctx := context.Background()
	svc, _, m := newLimitedService(t, false, perHour(chat.LimitPosts, 3), perHour(chat.LimitRooms, 2),
		perHour(chat.LimitTyping, 1), perHour(chat.LimitSignUpAddress, 3), perHour(chat.LimitInvites, 2))
	signUp := func(name, addr string) (chat.User, error) {
		return svc.SignUpFrom(ctx, addr, chat.SignUpInput{Username: name, Email: name + "@example.org", Password: "correct horse"})
	}
	ada, err := signUp("ada", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	bob, _ := signUp("bob", "192.0.2.1")
	room, err := svc.CreateRoom(ctx, ada, "general", "", chat.Public)
	if err != nil {
		t.Fatal(err)
	}
	actions := []struct {
		name  string
		limit string
		quota int // calls that succeed, counting the setup above
		do    func(i int) error
	}{
		{"posts", chat.LimitPosts, 3, func(int) error { _, _, err := svc.Post(ctx, ada, chat.Post{RoomID: room.ID, Body: "hi"}); return err }},
		{"rooms", chat.LimitRooms, 1, func(i int) error {
			_, err := svc.CreateRoom(ctx, ada, fmt.Sprint("room", i), "", chat.Public)
			return err
		}},
		{"typing", chat.LimitTyping, 1, func(int) error { return svc.Typing(ctx, ada, room.ID) }},
		{"sign-up", chat.LimitSignUpAddress, 1, func(i int) error { _, err := signUp(fmt.Sprint("cat", i), "192.0.2.1"); return err }},
		{"invites and direct rooms", chat.LimitInvites, 2, func(i int) error {
			if i == 1 {
				_, _, err := svc.OpenDirect(ctx, ada, []string{bob.ID})
				return err
			}
			return svc.AddMember(ctx, ada, room.ID, bob.ID)
		}},
	}
	for _, a := range actions {
		t.Run(a.name, func(t *testing.T) {
			for i := range a.quota {
				if err := a.do(i); err != nil {
					t.Fatalf("call %d: %v", i, err)
				}
			}
			err := a.do(a.quota)
			var rl *chat.RateLimitError
			if chat.ErrorCode(err) != chat.ERATELIMITED || !errors.As(err, &rl) || rl.Limit.Name != a.limit ||
				rl.Decision.RetryAfter <= 0 || rl.Decision.Allowed {
				t.Fatalf("call past the quota: %v (%+v)", err, rl)
			}
			if n := m.get(a.limit + "/refused"); n != 1 {
				t.Fatalf("refusals counted %d, want 1", n)
			}
		})
	}
	// Budgets are per user and per address.
	if _, _, err := svc.Post(ctx, bob, chat.Post{RoomID: room.ID, Body: "mine"}); err != nil {
		t.Fatalf("bob's post: %v", err)
	}
	if _, err := signUp("dan", "192.0.2.2"); err != nil {
		t.Fatalf("sign-up from another address: %v", err)
	}
	// A limit not configured is off.
	for range 10 {
		if err := svc.Limit(ctx, chat.LimitSearches, ada.ID); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSignInLimits: guesses at one account from many addresses share one
// budget; the owner's known device skips it (but not its address's);
// unknown accounts are limited alike.
func TestSignInLimits(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newLimitedService(t, false, perHour(chat.LimitSignInAccount, 5), perHour(chat.LimitSignInAccountShort, 100),
		perHour(chat.LimitSignInAddress, 3))
	if _, err := svc.SignUp(ctx, chat.SignUpInput{Username: "ada", Email: "ada@example.org", Password: "correct horse"}); err != nil {
		t.Fatal(err)
	}
	try := func(user, pass, addr, device string) error {
		_, _, err := svc.SignInFrom(ctx, chat.SignInAttempt{Username: user, Password: pass, Client: chat.Client{Address: addr}, Device: device})
		return err
	}
	if err := try("ada", "correct horse", "10.0.0.1", ""); err != nil {
		t.Fatal(err)
	}
	evaluated := 0
	for i := range 30 {
		err := try("ADA", "wrong", fmt.Sprintf("10.1.0.%d", i), "")
		switch chat.ErrorCode(err) {
		case chat.EUNAUTHORIZED:
			evaluated++
		case chat.ERATELIMITED:
		default:
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	if evaluated != 4 { // 5 per account, one spent by the owner's sign-in
		t.Fatalf("%d guesses evaluated, want 4", evaluated)
	}
	if err := try("ada", "correct horse", "10.2.0.1", ""); chat.ErrorCode(err) != chat.ERATELIMITED {
		t.Fatalf("owner from a new browser: %v, want rate_limited", err)
	}
	if err := try("ada", "correct horse", "10.2.0.1", "bob"); chat.ErrorCode(err) != chat.ERATELIMITED {
		t.Fatalf("a device of another account: %v, want rate_limited", err)
	}
	if err := try("ada", "correct horse", "10.0.0.1", "ada"); err != nil {
		t.Fatalf("owner's known device: %v", err)
	}
	for range 2 { // the known device still has its address's budget (3 per hour)
		try("ada", "wrong", "10.0.0.1", "ada")
	}
	if err := try("ada", "correct horse", "10.0.0.1", "ada"); chat.ErrorCode(err) != chat.ERATELIMITED {
		t.Fatalf("known device over its address's budget: %v", err)
	}
	for i := range 6 {
		err := try("nobody", "x", fmt.Sprintf("10.3.0.%d", i), "")
		if want := map[bool]string{true: chat.EUNAUTHORIZED, false: chat.ERATELIMITED}[i < 5]; chat.ErrorCode(err) != want {
			t.Fatalf("unknown account, guess %d: %v, want %s", i, err, want)
		}
	}
}

// TestLimiterDown: posts fail open (counted); sign-in limits fall back to
// the in-process limiter, or fail closed without one.
func TestLimiterDown(t *testing.T) {
	ctx := context.Background()
	for _, fallback := range []bool{false, true} {
		svc, lim, m := newLimitedService(t, fallback, perHour(chat.LimitPosts, 1), perHour(chat.LimitSignInAddress, 1))
		u, err := svc.SignUp(ctx, chat.SignUpInput{Username: "ada", Email: "ada@example.org", Password: "correct horse"})
		if err != nil {
			t.Fatal(err)
		}
		room, _ := svc.CreateRoom(ctx, u, "general", "", chat.Public)
		lim.down.Store(true)
		for range 3 {
			if _, _, err := svc.Post(ctx, u, chat.Post{RoomID: room.ID, Body: "hi"}); err != nil {
				t.Fatalf("post while the limiter is down: %v", err)
			}
		}
		if n := m.get(chat.LimitPosts + "/error"); n != 3 {
			t.Errorf("limiter errors counted %d, want 3", n)
		}
		attempt := chat.SignInAttempt{Username: "ada", Password: "correct horse", Client: chat.Client{Address: "192.0.2.1"}}
		_, _, err = svc.SignInFrom(ctx, attempt)
		if !fallback {
			if chat.ErrorCode(err) != chat.EUNAVAILABLE {
				t.Errorf("no fallback: sign-in %v, want unavailable", err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("fallback: first sign-in %v", err)
		}
		if _, _, err = svc.SignInFrom(ctx, attempt); chat.ErrorCode(err) != chat.ERATELIMITED {
			t.Errorf("fallback: second sign-in %v, want rate_limited by the fallback", err)
		}
	}
}

// TestSignInDelaysGrow: with the default limits, guesses at one account
// wait 0, then 12 s, then 3 min, whatever their address.
func TestSignInDelaysGrow(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "t.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Unix(1_700_000_000, 0)
	svc := chat.NewService(chat.Deps{Store: st, Cache: memory.NewCache(memory.CacheConfig{}), PubSub: memory.NewPubSub(),
		Hasher:      password.NewArgon2id(password.Params{Memory: 64, Time: 1, Threads: 1}),
		Config:      chat.ServiceConfig{Limits: chat.DefaultLimits()},
		RateLimiter: memory.NewRateLimiter(0, func() time.Time { return now })})
	// wait guesses from a new address until one is evaluated and returns
	// how long that took.
	addr := 0
	wait := func() time.Duration {
		var waited time.Duration
		for {
			addr++
			_, _, err := svc.SignInFrom(ctx, chat.SignInAttempt{Username: "ada", Password: "guess", Client: chat.Client{Address: fmt.Sprint("10.0.", addr/250, ".", addr%250)}})
			var rl *chat.RateLimitError
			switch {
			case chat.ErrorCode(err) == chat.EUNAUTHORIZED:
				return waited
			case errors.As(err, &rl):
				now = now.Add(rl.Decision.RetryAfter)
				waited += rl.Decision.RetryAfter
			default:
				t.Fatalf("guess: %v", err)
			}
		}
	}
	var got []time.Duration
	for range 12 {
		got = append(got, wait())
	}
	s, m := time.Second, time.Minute
	want := []time.Duration{0, 0, 0, 0, 0, 12 * s, 12 * s, 12 * s, 12 * s, 12 * s, 2 * m, 3 * m}
	if !slices.Equal(got, want) {
		t.Fatalf("waits %v, want %v", got, want)
	}
}

// TestChangePasswordLimited: a stolen session guessing the current
// password spends the account's sign-in budget.
func TestChangePasswordLimited(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newLimitedService(t, false, perHour(chat.LimitSignInAccount, 3))
	u, err := svc.SignUp(ctx, chat.SignUpInput{Username: "ada", Email: "ada@example.org", Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		err := svc.ChangePassword(ctx, u.ID, "", fmt.Sprint("guess ", i), "a much better passphrase 42")
		if want := map[bool]string{true: chat.EINVALID, false: chat.ERATELIMITED}[i < 3]; chat.ErrorCode(err) != want {
			t.Fatalf("guess %d: %v, want %s", i, err, want)
		}
	}
}

package chat_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// revoked records the token hashes OnSessionRevoked reports.
type revoked struct {
	mu     sync.Mutex
	hashes []string
}

func watchRevoked(e *env) *revoked {
	r := &revoked{}
	e.svc.OnSessionRevoked(func(h string) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.hashes = append(r.hashes, h)
	})
	return r
}

// waitFor waits until every hash was reported (the memory pub/sub delivers
// asynchronously).
func (r *revoked) waitFor(t *testing.T, tokens ...string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		r.mu.Lock()
		all := true
		for _, tok := range tokens {
			all = all && slices.Contains(r.hashes, chat.HashToken(tok))
		}
		r.mu.Unlock()
		if all {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("sessions not revoked: %v", tokens)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func signIn(t *testing.T, e *env, username, password string, c chat.Client) string {
	t.Helper()
	tok, _, err := e.svc.SignIn(context.Background(), username, password, c)
	if err != nil {
		t.Fatalf("SignIn(%s): %v", username, err)
	}
	return tok
}

func wantCode(t *testing.T, what string, err error, code, field string) {
	t.Helper()
	if chat.ErrorCode(err) != code || chat.ErrorField(err) != field {
		t.Fatalf("%s: got %v, want %q field %q", what, err, code, field)
	}
}

func TestChangePassword(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	rev := watchRevoked(e)
	mine := signIn(t, e, "ada", "correct horse", chat.Client{})
	other := signIn(t, e, "ada", "correct horse", chat.Client{})
	for _, tok := range []string{mine, other} {
		if _, err := e.svc.Authenticate(ctx, tok); err != nil { // both cached
			t.Fatal(err)
		}
	}
	keep := chat.HashToken(mine)
	tests := []struct {
		name, current, next, code, field string
	}{
		{"wrong current", "wrong horse", "purple-otter-canyon", chat.EINVALID, "current_password"},
		{"nul in current", "correct horse\x00", "purple-otter-canyon", chat.EINVALID, "current_password"},
		{"weak new", "correct horse", "password123", chat.EINVALID, "new_password"},
		{"short new", "correct horse", "Zq9!", chat.EINVALID, "new_password"},
		{"new is the username", "correct horse", "adaadaada1", chat.EINVALID, "new_password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, "ChangePassword", e.svc.ChangePassword(ctx, e.user.ID, keep, tt.current, tt.next), tt.code, tt.field)
			if _, err := e.svc.Authenticate(ctx, other); err != nil {
				t.Fatalf("a refused change ended a session: %v", err)
			}
		})
	}
	if err := e.svc.ChangePassword(ctx, e.user.ID, keep, "correct horse", "purple-otter-canyon"); err != nil {
		t.Fatal(err)
	}
	rev.waitFor(t, other)
	if _, err := e.svc.Authenticate(ctx, other); chat.ErrorCode(err) != chat.EUNAUTHORIZED {
		t.Fatalf("other session survived the password change: %v", err)
	}
	if _, err := e.svc.Authenticate(ctx, mine); err != nil {
		t.Fatalf("the changing session was ended: %v", err)
	}
	if _, _, err := e.svc.SignIn(ctx, "ada", "correct horse", chat.Client{}); chat.ErrorCode(err) != chat.EUNAUTHORIZED {
		t.Fatalf("old password still works: %v", err)
	}
	signIn(t, e, "ada", "purple-otter-canyon", chat.Client{})
}

func TestSessionList(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	rev := watchRevoked(e)
	phone := signIn(t, e, "ada", "correct horse", chat.Client{UserAgent: "Phone/1.0\x00\n", Address: "198.51.100.7"})
	e.now.Add(time.Second.Milliseconds())
	laptop := signIn(t, e, "ada", "correct horse", chat.Client{UserAgent: "Laptop/2.0", Address: "2001:db8::1"})
	bob, err := e.svc.SignUp(ctx, chat.SignUpInput{Username: "bob", Email: "bob@example.org", Password: "purple-otter-canyon"})
	if err != nil {
		t.Fatal(err)
	}
	bobTok := signIn(t, e, "bob", "purple-otter-canyon", chat.Client{})

	ss, err := e.svc.Sessions(ctx, e.user.ID, chat.HashToken(laptop))
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != 2 || ss[0].UserAgent != "Laptop/2.0" || !ss[0].Current || ss[1].UserAgent != "Phone/1.0" || ss[1].Current ||
		ss[1].Address != "198.51.100.7" || ss[0].Address != "2001:db8::1" {
		t.Fatalf("sessions = %+v", ss)
	}
	for _, s := range ss {
		if s.ID == "" || s.ID == chat.HashToken(phone) || s.ID == chat.HashToken(laptop) || s.CreatedAt.IsZero() || s.LastSeenAt.IsZero() {
			t.Fatalf("session %+v: id must be set and not the token hash; times set", s)
		}
	}
	phoneID := ss[1].ID

	_, err = e.svc.EndSession(ctx, bob.ID, phoneID, chat.HashToken(bobTok))
	wantCode(t, "ending another user's session", err, chat.ENOTFOUND, "")
	_, err = e.svc.EndSession(ctx, e.user.ID, "nope\x00", "")
	wantCode(t, "ending a bad id", err, chat.ENOTFOUND, "")
	if current, err := e.svc.EndSession(ctx, e.user.ID, phoneID, chat.HashToken(laptop)); err != nil || current {
		t.Fatalf("EndSession = %v, %v", current, err)
	}
	rev.waitFor(t, phone)
	if _, err := e.svc.Authenticate(ctx, phone); chat.ErrorCode(err) != chat.EUNAUTHORIZED {
		t.Fatalf("ended session still works: %v", err)
	}
	_, err = e.svc.EndSession(ctx, e.user.ID, phoneID, "")
	wantCode(t, "ending it twice", err, chat.ENOTFOUND, "")

	again := signIn(t, e, "ada", "correct horse", chat.Client{})
	if err := e.svc.EndAllSessions(ctx, e.user.ID); err != nil {
		t.Fatal(err)
	}
	rev.waitFor(t, laptop, again)
	if ss, _ := e.svc.Sessions(ctx, e.user.ID, ""); len(ss) != 0 {
		t.Fatalf("after signing out everywhere: %+v", ss)
	}
	if _, err := e.svc.Authenticate(ctx, bobTok); err != nil {
		t.Fatalf("another user's session ended: %v", err)
	}
}

// TestSessionLastSeen: a session's last_seen_at moves when a request comes
// after SessionTouchInterval, not on every request.
func TestSessionLastSeen(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tok := signIn(t, e, "ada", "correct horse", chat.Client{})
	seen := func() time.Time {
		ss, err := e.svc.Sessions(ctx, e.user.ID, "")
		if err != nil || len(ss) != 1 {
			t.Fatalf("sessions = %v, %v", ss, err)
		}
		return ss[0].LastSeenAt.Time
	}
	start := seen()
	step := func(d time.Duration) {
		e.now.Add(d.Milliseconds())
		if _, err := e.svc.Authenticate(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	step(chat.SessionCacheTTL + time.Second) // cache miss, but less than a minute since sign-in
	if !seen().Equal(start) {
		t.Fatal("last_seen_at written within SessionTouchInterval")
	}
	step(chat.SessionCacheTTL) // past a minute now
	if got := seen(); !got.After(start) {
		t.Fatalf("last_seen_at not updated after %s: %v", chat.SessionTouchInterval, got)
	}
}

func TestSignInRefusesImpossibleInput(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct{ user, pass string }{
		{"ada\x00", "correct horse"}, {"ada", "correct horse\x00"}, {"a\u202eda", "correct horse"}, {"\xff", "x"},
	} {
		_, _, err := e.svc.SignIn(context.Background(), c.user, c.pass, chat.Client{})
		wantCode(t, "SignIn "+c.user, err, chat.EUNAUTHORIZED, "")
	}
	signIn(t, e, "ＡＤＡ", "correct horse", chat.Client{}) // PRECIS maps full-width to ada
}

func TestEmailUniqueAndVerification(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	secret := []byte("test-secret")
	_, err := e.svc.SignUp(ctx, chat.SignUpInput{Username: "eve", Email: "ADA@Example.org", Password: "purple-otter-canyon"})
	wantCode(t, "second account with the address", err, chat.ECONFLICT, "")
	if chat.ErrorMessage(err) != "e-mail address is taken" {
		t.Fatalf("message %q", chat.ErrorMessage(err))
	}

	batches, err := e.store.MailBatches(ctx, chat.BatchPending, 10)
	if err != nil || len(batches) != 1 || batches[0].Kind != chat.BatchVerify || batches[0].User.ID != e.user.ID {
		t.Fatalf("sign-up queued %+v, %v; want one verify batch", batches, err)
	}
	wantCode(t, "resend at once", e.svc.ResendVerification(ctx, e.user.ID), chat.ERATELIMITED, "")
	e.now.Add(chat.VerifyMailGap.Milliseconds())
	if err := e.svc.ResendVerification(ctx, e.user.ID); err != nil {
		t.Fatalf("resend after the gap: %v", err)
	}

	now := time.UnixMilli(e.now.Load())
	expires := now.Add(chat.EmailVerifyTTL).Truncate(time.Second)
	good := chat.EmailVerifyToken(secret, e.user.ID, e.user.Email, expires)
	tests := []struct {
		name    string
		secret  []byte
		user    string
		expires time.Time
		token   string
	}{
		{"wrong secret", []byte("other"), e.user.ID, expires, good},
		{"no secret", nil, e.user.ID, expires, chat.EmailVerifyToken(nil, e.user.ID, e.user.Email, expires)},
		{"other expiry", secret, e.user.ID, expires.Add(time.Hour), good},
		{"unknown user", secret, chat.NewID(), expires, good},
		{"nul user", secret, "a\x00", expires, good},
		{"expired", secret, e.user.ID, now.Add(-time.Second), chat.EmailVerifyToken(secret, e.user.ID, e.user.Email, now.Add(-time.Second))},
		{"other address", secret, e.user.ID, expires, chat.EmailVerifyToken(secret, e.user.ID, "eve@example.org", expires)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.VerifyEmail(ctx, tt.secret, tt.user, tt.expires.Unix(), tt.token)
			wantCode(t, "VerifyEmail", err, chat.EUNAUTHORIZED, "")
		})
	}
	if u, _ := e.store.UserByID(ctx, e.user.ID); u.EmailVerified {
		t.Fatal("verified by a bad link")
	}
	for range 2 { // following the link twice is fine
		u, err := e.svc.VerifyEmail(ctx, secret, e.user.ID, expires.Unix(), good)
		if err != nil || !u.EmailVerified {
			t.Fatalf("VerifyEmail = %+v, %v", u, err)
		}
	}
	wantCode(t, "resend when verified", e.svc.ResendVerification(ctx, e.user.ID), chat.ECONFLICT, "")
}

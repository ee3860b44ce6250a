package chattest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

func sameSession(a, b chat.Session) bool {
	return a.ID == b.ID && a.TokenHash == b.TokenHash && a.UserID == b.UserID && a.CreatedAt.Equal(b.CreatedAt.Time) &&
		a.ExpiresAt.Equal(b.ExpiresAt.Time) && a.LastSeenAt.Equal(b.LastSeenAt.Time) && a.UserAgent == b.UserAgent && a.Address == b.Address
}

func newSession(t *testing.T, s chat.Store, u chat.User, id string, seen time.Time) chat.Session {
	t.Helper()
	sess := chat.Session{ID: id, TokenHash: "hash-" + id, UserID: u.ID, CreatedAt: chat.NewTime(base),
		ExpiresAt: chat.NewTime(base.Add(time.Hour)), LastSeenAt: chat.NewTime(seen), UserAgent: "agent " + id, Address: "192.0.2.7"}
	if err := s.CreateSession(context.Background(), sess); err != nil {
		t.Fatalf("CreateSession(%s): %v", id, err)
	}
	return sess
}

func sessionIDs(ss []chat.Session) []string {
	out := []string{}
	for _, x := range ss {
		out = append(out, x.ID)
	}
	return out
}

func testSessionList(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada, bob := newUser(t, s, "ada"), newUser(t, s, "bob")
	a1 := newSession(t, s, ada, "a1", base)
	newSession(t, s, ada, "a2", base.Add(time.Minute))
	newSession(t, s, ada, "a3", base.Add(2*time.Minute))
	newSession(t, s, bob, "b1", base)
	dup := a1
	dup.TokenHash = "other"
	wantCode(t, "CreateSession duplicate id", s.CreateSession(ctx, dup), chat.ECONFLICT)

	list := func(u chat.User, now time.Time) []string {
		t.Helper()
		ss, err := s.Sessions(ctx, u.ID, now)
		if err != nil {
			t.Fatal(err)
		}
		return sessionIDs(ss)
	}
	if got := list(ada, base); !slices.Equal(got, []string{"a3", "a2", "a1"}) {
		t.Fatalf("Sessions = %v, want most recently seen first", got)
	}
	if got := list(ada, base.Add(time.Hour)); len(got) != 0 {
		t.Fatalf("expired sessions listed: %v", got)
	}
	if err := s.TouchSession(ctx, "hash-a1", base.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.TouchSession(ctx, "missing", base); err != nil {
		t.Fatalf("TouchSession(missing) = %v", err)
	}
	if got := list(ada, base); !slices.Equal(got, []string{"a1", "a3", "a2"}) {
		t.Fatalf("after touch: %v", got)
	}
	if _, sess, err := s.SessionUser(ctx, "hash-a1", base); err != nil || !sess.LastSeenAt.Equal(base.Add(5*time.Minute)) {
		t.Fatalf("SessionUser after touch = %+v, %v", sess, err)
	}

	_, err := s.DeleteSessionByID(ctx, bob.ID, "a2")
	wantCode(t, "DeleteSessionByID of another user", err, chat.ENOTFOUND)
	if h, err := s.DeleteSessionByID(ctx, ada.ID, "a2"); err != nil || h != "hash-a2" {
		t.Fatalf("DeleteSessionByID = %q, %v", h, err)
	}
	_, err = s.DeleteSessionByID(ctx, ada.ID, "a2")
	wantCode(t, "DeleteSessionByID twice", err, chat.ENOTFOUND)

	ended, err := s.DeleteSessions(ctx, ada.ID, "hash-a3")
	if err != nil || !slices.Equal(ended, []string{"hash-a1"}) {
		t.Fatalf("DeleteSessions(keep a3) = %v, %v", ended, err)
	}
	ended, err = s.DeleteSessions(ctx, ada.ID, "")
	if err != nil || !slices.Equal(ended, []string{"hash-a3"}) {
		t.Fatalf("DeleteSessions(all) = %v, %v", ended, err)
	}
	if ended, err = s.DeleteSessions(ctx, ada.ID, ""); err != nil || ended == nil || len(ended) != 0 {
		t.Fatalf("DeleteSessions(none left) = %#v, %v", ended, err)
	}
	if got := list(bob, base); !slices.Equal(got, []string{"b1"}) {
		t.Fatalf("bob's sessions = %v", got)
	}
}

func testSetPassword(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada, bob := newUser(t, s, "ada"), newUser(t, s, "bob")
	newSession(t, s, ada, "a1", base)
	newSession(t, s, ada, "a2", base)
	newSession(t, s, bob, "b1", base)
	ended, err := s.SetPassword(ctx, ada.ID, "new-hash", "hash-a2")
	if err != nil || !slices.Equal(ended, []string{"hash-a1"}) {
		t.Fatalf("SetPassword = %v, %v", ended, err)
	}
	if u, _ := s.UserByID(ctx, ada.ID); u.PasswordHash != "new-hash" {
		t.Fatalf("hash = %q", u.PasswordHash)
	}
	if ss, _ := s.Sessions(ctx, ada.ID, base); !slices.Equal(sessionIDs(ss), []string{"a2"}) {
		t.Fatalf("ada's sessions = %v", sessionIDs(ss))
	}
	if ss, _ := s.Sessions(ctx, bob.ID, base); len(ss) != 1 {
		t.Fatalf("bob lost sessions: %v", sessionIDs(ss))
	}
	_, err = s.SetPassword(ctx, chat.NewID(), "x", "")
	wantCode(t, "SetPassword unknown", err, chat.ENOTFOUND)
}

func testEmailUnique(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada := newUser(t, s, "ada")
	for _, email := range []string{"ada@example.org", "ADA@Example.ORG"} {
		u := ada
		u.ID, u.Username, u.Email = chat.NewID(), "eve", email
		err := s.CreateUser(ctx, u)
		wantCode(t, "CreateUser with "+email, err, chat.ECONFLICT)
		if chat.ErrorMessage(err) != "e-mail address is taken" {
			t.Errorf("message = %q", chat.ErrorMessage(err))
		}
	}
	if u, err := s.UserByID(ctx, ada.ID); err != nil || u.EmailVerified {
		t.Fatalf("new user = %+v, %v; want unverified", u, err)
	}
}

func testVerifyEmail(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada := newUser(t, s, "ada")
	_, err := s.VerifyEmail(ctx, ada.ID, "other@example.org")
	wantCode(t, "VerifyEmail other address", err, chat.ENOTFOUND)
	_, err = s.VerifyEmail(ctx, chat.NewID(), ada.Email)
	wantCode(t, "VerifyEmail unknown user", err, chat.ENOTFOUND)
	u, err := s.VerifyEmail(ctx, ada.ID, "Ada@Example.org")
	ada.EmailVerified = true
	if err != nil || !sameUser(u, ada) {
		t.Fatalf("VerifyEmail = %+v, %v", u, err)
	}
	if got, _ := s.UserByID(ctx, ada.ID); !got.EmailVerified {
		t.Fatal("not stored")
	}
	if got, _ := s.UsersByIDs(ctx, []string{ada.ID}); len(got) != 1 || !got[0].EmailVerified {
		t.Fatal("UsersByIDs does not carry email_verified")
	}
}

func testVerificationMail(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada := newUser(t, s, "ada")
	gap := time.Minute
	now := time.Now()
	if err := s.QueueVerificationMail(ctx, ada.ID, now, gap); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "again within the gap", s.QueueVerificationMail(ctx, ada.ID, now.Add(gap-time.Second), gap), chat.ERATELIMITED)
	wantCode(t, "unknown user", s.QueueVerificationMail(ctx, chat.NewID(), now, gap), chat.ENOTFOUND)
	b := claim(t, s, "w1", now, 1)[0] // due at once: no batch window
	if b.Kind != chat.BatchVerify || b.User.ID != ada.ID || len(b.Items) != 0 || b.Items == nil {
		t.Fatalf("claimed %+v", b)
	}
	if err := s.FinishBatch(ctx, b.ID, "w1", chat.BatchSent, now); err != nil {
		t.Fatal(err)
	}
	if n, err := s.SentSince(ctx, "Ada@Example.org", now.Add(-time.Hour)); err != nil || n != 1 {
		t.Fatalf("SentSince counts verification mail: %d, %v", n, err)
	}
	if err := s.QueueVerificationMail(ctx, ada.ID, now.Add(gap), gap); err != nil {
		t.Fatalf("after the gap: %v", err)
	}
}

// testTextRoundTrip: text the rules allow comes back byte for byte.
func testTextRoundTrip(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada := newUser(t, s, "ada")
	name := "Zoë 日本 العربية 🙂"
	u, err := s.UpdateUser(ctx, ada.ID, chat.UserPatch{DisplayName: &name})
	if err != nil || u.DisplayName != name {
		t.Fatalf("UpdateUser = %q, %v", u.DisplayName, err)
	}
	r := newRoom(t, s, ada, "général")
	m := post(t, s, r, ada, "line one\n\tline two \u202B")
	ms, err := s.Messages(ctx, r.ID, chat.MessageQuery{Limit: 1})
	if err != nil || len(ms) != 1 || ms[0].Body != m.Body {
		t.Fatalf("Messages = %+v, %v", ms, err)
	}
	if _, err := s.Mentions(ctx, ada.ID, 1<<40, 10); err != nil {
		t.Fatalf("Mentions with a cursor past 2^31: %v", err)
	}
	// A NUL byte the input rules missed is refused or not found, never an
	// internal error (PostgreSQL refuses NUL in text).
	for name, err := range map[string]error{
		"UserByUsername": second(s.UserByUsername(ctx, "ada\x00")),
		"RoomByID":       second(s.RoomByID(ctx, "r\x00")),
		"CreateUser": s.CreateUser(ctx, chat.User{ID: chat.NewID(), Username: "nul", DisplayName: "N\x00", Email: "nul@example.org",
			PasswordHash: "x", CreatedAt: chat.NewTime(base)}),
	} {
		if code := chat.ErrorCode(err); code != chat.ENOTFOUND && code != chat.EBADREQUEST && err != nil {
			t.Errorf("%s with NUL: %v (code %s)", name, err, code)
		}
	}
}

func second[A any](_ A, err error) error { return err }

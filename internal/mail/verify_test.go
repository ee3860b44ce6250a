package mail

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// recorder is a transport that keeps what it is given.
type recorder struct {
	mu   sync.Mutex
	sent []*Email
}

func (r *recorder) Send(_ context.Context, e *Email) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, e)
	return nil
}

func (r *recorder) to(addr string) []*Email {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*Email
	for _, e := range r.sent {
		if e.To == addr {
			out = append(out, e)
		}
	}
	return out
}

// verifyLink finds the verification link of an e-mail and checks it.
func verifyLink(t *testing.T, e *Email) (user string, expires int64, token string) {
	t.Helper()
	i := strings.Index(e.Text, "http://chat.test:8080/api/v1/verify-email?")
	if i < 0 {
		t.Fatalf("no verification link in:\n%s", e.Text)
	}
	u, err := url.Parse(strings.Fields(e.Text[i:])[0])
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	expires, err = strconv.ParseInt(q.Get("expires"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return q.Get("user"), expires, q.Get("token")
}

// TestVerificationEmail: sign-up mails a verification link at once (no
// batch window); until it is followed, mentions of the user are recorded
// but their e-mail is skipped; afterwards mentions are mailed.
func TestVerificationEmail(t *testing.T) {
	for name, open := range map[string]func(*testing.T) chat.Store{"sqlite": sqliteStore, "postgres": postgresStore} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, open(t))
			tr := &recorder{}
			w := e.worker(tr, "w1", nil)
			grace := e.signUp("grace")
			e.tick(w) // no window to wait for
			mails := tr.to("grace@example.org")
			if len(mails) != 1 || mails[0].Subject != VerifySubject {
				t.Fatalf("after sign-up: %d e-mails to grace, want the verification", len(mails))
			}
			if _, ok := mails[0].Headers["List-Unsubscribe"]; ok {
				t.Error("a verification e-mail carries an unsubscribe header")
			}
			user, expires, token := verifyLink(t, mails[0])
			if user != grace.ID || time.Until(time.Unix(expires, 0)) < chat.EmailVerifyTTL-time.Minute {
				t.Fatalf("link for %s expiring %v", user, time.Unix(expires, 0))
			}

			e.post(e.room, "hi @grace")
			e.clock.advance(DefaultBatchWindow + time.Second)
			e.tick(w)
			if n := len(tr.to("grace@example.org")); n != 1 {
				t.Fatalf("an unverified address got %d e-mails, want only the verification", n)
			}
			skipped := e.batches(chat.BatchSkipped)
			if len(skipped) != 1 || skipped[0].Kind != chat.BatchMention || skipped[0].User.ID != grace.ID {
				t.Fatalf("skipped = %+v; want grace's mention batch", skipped)
			}
			if ms, _, _ := e.svc.Mentions(context.Background(), grace.ID, 0, 10); len(ms) != 1 {
				t.Fatalf("the mention is not listed in the app: %d", len(ms))
			}

			if _, err := e.svc.VerifyEmail(context.Background(), testSecret, user, expires, token); err != nil {
				t.Fatalf("following the link: %v", err)
			}
			e.post(e.room, "again @grace")
			e.clock.advance(DefaultBatchWindow + time.Second)
			e.tick(w)
			if mails := tr.to("grace@example.org"); len(mails) != 2 || !strings.Contains(mails[1].Text, "again @grace") {
				t.Fatalf("after verification: %d e-mails", len(mails))
			}
		})
	}
}

// TestVerificationSkippedWhenVerified: a verification e-mail queued for an
// address verified meanwhile is not sent.
func TestVerificationSkippedWhenVerified(t *testing.T) {
	e := newEnv(t, sqliteStore(t))
	tr := &recorder{}
	g := e.signUp("grace")
	if _, err := e.store.VerifyEmail(context.Background(), g.ID, g.Email); err != nil {
		t.Fatal(err)
	}
	e.tick(e.worker(tr, "w1", nil))
	if len(tr.to(g.Email)) != 0 || len(e.batches(chat.BatchSkipped)) != 1 {
		t.Fatalf("sent %d, skipped %d", len(tr.to(g.Email)), len(e.batches(chat.BatchSkipped)))
	}
}

// TestCapCountsEveryMailToTheAddress: the per-recipient cap counts the
// e-mails an address got, verification included.
func TestCapCountsEveryMailToTheAddress(t *testing.T) {
	e := newEnv(t, sqliteStore(t))
	tr := &recorder{}
	w := e.worker(tr, "w1", func(c *Config) { c.PerRecipientPerHour = 1 })
	g := e.signUp("grace")
	e.tick(w)
	user, expires, token := verifyLink(t, tr.to(g.Email)[0])
	if _, err := e.svc.VerifyEmail(context.Background(), testSecret, user, expires, token); err != nil {
		t.Fatal(err)
	}
	e.post(e.room, "hi @grace")
	e.clock.advance(DefaultBatchWindow + time.Second)
	e.tick(w)
	if n := len(tr.to(g.Email)); n != 1 || e.metrics.get(OutcomeDeferred) != 1 {
		t.Fatalf("sent %d, deferred %d; want the mention deferred by the cap", n, e.metrics.get(OutcomeDeferred))
	}
}

package mail

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// TestCrashAfterClaim: a worker that claimed a batch and died before
// sending holds it until its lease expires; then another worker sends it,
// once.
func TestCrashAfterClaim(t *testing.T) {
	for name, open := range map[string]func(*testing.T) chat.Store{"sqlite": sqliteStore, "postgres": postgresStore} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, open(t))
			mp := startMailpit(t)
			e.user("grace", chat.NotifyAlways)
			e.post(e.room, "hi @grace")
			e.clock.advance(DefaultBatchWindow + time.Second)
			ctx := context.Background()
			if _, err := e.store.FormBatches(ctx, e.clock.now(), DefaultBatchWindow); err != nil {
				t.Fatal(err)
			}
			dead, err := e.store.ClaimBatches(ctx, "dead", e.clock.now(), DefaultLease, 10)
			if err != nil || len(dead) != 1 {
				t.Fatalf("claim by the doomed worker: %d batches, %v", len(dead), err)
			}
			w := e.worker(e.smtp(mp), "w1", nil)
			e.tick(w) // the lease still holds
			if n := len(mp.messages()); n != 0 {
				t.Fatalf("%d e-mails while the dead worker's lease holds", n)
			}
			e.clock.advance(DefaultLease + time.Second)
			e.tick(w)
			e.tick(w)
			ms := mp.waitMessages(1)
			if want := dead[0].ID + "@chat.test"; ms[0].MessageID != want {
				t.Errorf("MessageID = %q, want %q", ms[0].MessageID, want)
			}
			sent := e.batches(chat.BatchSent)
			if len(sent) != 1 || sent[0].Attempts != 2 {
				t.Errorf("sent = %+v, want one batch on its second claim", sent)
			}
			if err := e.store.FinishBatch(ctx, dead[0].ID, "dead", chat.BatchSent, e.clock.now()); chat.ErrorCode(err) != chat.ECONFLICT {
				t.Errorf("finish by the expired owner: %v, want ECONFLICT", err)
			}
		})
	}
}

// TestCrashAfterSendFileTransport: a worker that sent and died before
// recording it causes a resend with the same Message-ID; the file
// transport overwrites its file, so the mail folder holds one e-mail.
func TestCrashAfterSendFileTransport(t *testing.T) {
	e := newEnv(t, sqliteStore(t))
	tr, err := NewFileTransport(t.TempDir(), testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	e.user("grace", chat.NotifyAlways)
	e.post(e.room, "hi @grace")
	e.clock.advance(DefaultBatchWindow + time.Second)
	ctx := context.Background()
	if _, err := e.store.FormBatches(ctx, e.clock.now(), DefaultBatchWindow); err != nil {
		t.Fatal(err)
	}
	dead, err := e.store.ClaimBatches(ctx, "dead", e.clock.now(), DefaultLease, 10)
	if err != nil || len(dead) != 1 {
		t.Fatalf("claim: %d, %v", len(dead), err)
	}
	w := e.worker(tr, "w1", nil)
	em, err := w.tmpl.render(w.cfg, dead[0], e.clock.now()) // what the dead worker sent
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Send(ctx, em); err != nil {
		t.Fatal(err)
	}
	e.clock.advance(DefaultLease + time.Second)
	e.tick(w)
	files, _ := os.ReadDir(tr.Dir())
	if len(files) != 1 || files[0].Name() != dead[0].ID+"@chat.test.eml" {
		t.Fatalf("mail folder = %v, want one file named by the Message-ID", files)
	}
	if len(e.batches(chat.BatchSent)) != 1 {
		t.Error("batch not recorded as sent")
	}
}

// TestSMTPDown: with the server down the batch waits with its error and a
// backoff; when the server is back it is delivered, once.
func TestSMTPDown(t *testing.T) {
	e := newEnv(t, sqliteStore(t))
	mp := startMailpit(t)
	grace := e.user("grace", chat.NotifyAlways)
	w := e.worker(e.smtp(mp), "w1", func(c *Config) { c.SendTimeout = 5 * time.Second })
	e.post(e.room, "hi @grace")
	e.clock.advance(DefaultBatchWindow + time.Second)
	mp.stop()

	e.tick(w)
	pending := e.batches(chat.BatchPending)
	if len(pending) != 1 {
		t.Fatalf("pending = %+v, want the batch back in the queue", pending)
	}
	b := pending[0]
	if b.Attempts != 1 || b.LastError == "" || b.User.ID != grace.ID {
		t.Errorf("after a failed send: attempts %d, last error %q", b.Attempts, b.LastError)
	}
	if d := b.NextAttempt.Sub(e.clock.now()); d < DefaultBackoffBase/2-time.Second || d > DefaultBackoffBase {
		t.Errorf("next attempt in %s, want the first backoff (%s..%s)", d, DefaultBackoffBase/2, DefaultBackoffBase)
	}
	e.tick(w) // during the backoff nothing is claimed
	if got := e.batches(chat.BatchPending); len(got) != 1 || got[0].Attempts != 1 {
		t.Errorf("batch retried before its backoff: %+v", got)
	}
	if e.metrics.get(OutcomeRetry) != 1 {
		t.Errorf("retry count = %d", e.metrics.get(OutcomeRetry))
	}

	mp.start()
	e.clock.advance(DefaultBackoffBase + time.Second)
	e.tick(w)
	ms := mp.waitMessages(1)
	if ms[0].MessageID != b.ID+"@chat.test" {
		t.Errorf("MessageID = %q", ms[0].MessageID)
	}
	if sent := e.batches(chat.BatchSent); len(sent) != 1 || sent[0].Attempts != 2 {
		t.Errorf("sent = %+v", sent)
	}
}

// TestGiveUp: after MaxAttempts the batch is failed, kept and visible.
func TestGiveUp(t *testing.T) {
	e := newEnv(t, sqliteStore(t))
	tr, err := NewTransport("smtp://"+freePort(t), "", testLog(t)) // nothing listens there
	if err != nil {
		t.Fatal(err)
	}
	e.user("grace", chat.NotifyAlways)
	w := e.worker(tr, "w1", func(c *Config) { c.MaxAttempts = 3 })
	e.post(e.room, "hi @grace")
	e.clock.advance(DefaultBatchWindow + time.Second)
	for range 3 {
		e.tick(w)
		e.clock.advance(DefaultBackoffMax + time.Second)
	}
	failed := e.batches(chat.BatchFailed)
	if len(failed) != 1 || failed[0].Attempts != 3 || !strings.Contains(failed[0].LastError, "smtp") {
		t.Fatalf("failed = %+v", failed)
	}
	e.tick(w)
	if got := e.batches(chat.BatchFailed); len(got) != 1 || got[0].Attempts != 3 {
		t.Errorf("a failed batch was claimed again: %+v", got)
	}
	if e.metrics.get(OutcomeRetry) != 2 || e.metrics.get(OutcomeFailed) != 1 {
		t.Errorf("metrics = %v", e.metrics.n)
	}
}

// TestRateLimit: mail over the rate waits, it is not dropped. Four e-mails
// at 5/s with a burst of 1 need at least three intervals of 200 ms.
func TestRateLimit(t *testing.T) {
	e := newEnv(t, sqliteStore(t))
	tr, err := NewFileTransport(t.TempDir(), testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"user1", "user2", "user3", "user4"} {
		e.user(n, chat.NotifyAlways)
	}
	e.post(e.room, "@user1 @user2 @user3 @user4 standup")
	e.clock.advance(DefaultBatchWindow + time.Second)
	w := e.worker(tr, "w1", func(c *Config) { c.Rate, c.Burst = 5, 1 })
	start := time.Now()
	e.tick(w)
	if d := time.Since(start); d < 550*time.Millisecond {
		t.Errorf("4 e-mails took %s, want at least 600ms at 5/s", d)
	}
	if n := len(e.batches(chat.BatchSent)); n != 4 {
		t.Errorf("%d sent, want 4 (none dropped)", n)
	}
}

func TestClaimLimitFitsLease(t *testing.T) {
	tests := []struct {
		rate  float64
		burst int
		lease time.Duration
		want  int
	}{
		{1, 4, 2 * time.Minute, DefaultClaimLimit},
		{0.01, 1, 2 * time.Minute, 1},
		{0.1, 2, 2 * time.Minute, 8},
	}
	for _, tt := range tests {
		w := NewWorker(Config{Rate: tt.rate, Burst: tt.burst, Lease: tt.lease}, nil, nil, nil, nil, nil)
		if got := w.claimLimit(); got != tt.want {
			t.Errorf("rate %v burst %d: claim limit %d, want %d", tt.rate, tt.burst, got, tt.want)
		}
	}
}

// TestPerRecipientCap: over the cap a batch is deferred, then sent.
func TestPerRecipientCap(t *testing.T) {
	e := newEnv(t, sqliteStore(t))
	tr, err := NewFileTransport(t.TempDir(), testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	e.user("grace", chat.NotifyAlways)
	w := e.worker(tr, "w1", func(c *Config) { c.PerRecipientPerHour = 1 })
	e.post(e.room, "one @grace")
	e.clock.advance(DefaultBatchWindow + time.Second)
	e.tick(w)
	e.post(e.room, "two @grace")
	e.clock.advance(DefaultBatchWindow + time.Second)
	e.tick(w)
	pending := e.batches(chat.BatchPending)
	if len(pending) != 1 || e.metrics.get(OutcomeDeferred) != 1 {
		t.Fatalf("pending = %+v, deferred = %d; want the second batch deferred", pending, e.metrics.get(OutcomeDeferred))
	}
	if pending[0].Attempts != 0 {
		t.Errorf("a deferral counted as an attempt: %d", pending[0].Attempts)
	}
	e.clock.advance(time.Hour)
	e.tick(w)
	if n := len(e.batches(chat.BatchSent)); n != 2 {
		t.Errorf("%d sent after the hour, want 2", n)
	}
}

// TestTwoWorkersPostgres: two instances on one PostgreSQL drain the outbox
// concurrently; every batch is sent exactly once.
func TestTwoWorkersPostgres(t *testing.T) {
	e := newEnv(t, postgresStore(t))
	mp := startMailpit(t)
	const users = 12
	var body strings.Builder
	for i := range users {
		name := "user" + string(rune('a'+i))
		e.user(name, chat.NotifyAlways)
		body.WriteString("@" + name + " ")
	}
	e.post(e.room, body.String())
	e.post(e.newRoom("random"), body.String())
	e.clock.advance(DefaultBatchWindow + time.Second)

	ws := []*Worker{
		e.worker(e.smtp(mp), "instance-1", func(c *Config) { c.ClaimLimit = 2 }),
		e.worker(e.smtp(mp), "instance-2", func(c *Config) { c.ClaimLimit = 2 }),
	}
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Go(func() {
			for range users {
				if err := w.Tick(context.Background()); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	ms := mp.waitMessages(users)
	seen := map[string]bool{}
	for _, m := range ms {
		if seen[m.MessageID] || seen[m.To[0].Address] {
			t.Errorf("duplicate e-mail %s to %s", m.MessageID, m.To[0].Address)
		}
		seen[m.MessageID], seen[m.To[0].Address] = true, true
	}
	if sent := e.batches(chat.BatchSent); len(sent) != users {
		t.Errorf("%d batches sent, want %d", len(sent), users)
	}
}

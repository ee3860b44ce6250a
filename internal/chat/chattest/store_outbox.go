package chattest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// Outbox timing: notifications carry the server's clock, so each test takes
// one fixed now after posting and derives every other instant from it.
const (
	window = time.Minute
	lease  = 30 * time.Second
)

func formOne(t *testing.T, s chat.Store, now time.Time, want int) {
	t.Helper()
	n, err := s.FormBatches(context.Background(), now, window)
	if err != nil || n != want {
		t.Fatalf("FormBatches(%v) = %d, %v; want %d", now, n, err, want)
	}
}

func claim(t *testing.T, s chat.Store, owner string, now time.Time, want int) []chat.MailBatch {
	t.Helper()
	bs, err := s.ClaimBatches(context.Background(), owner, now, lease, 10)
	if err != nil || bs == nil || len(bs) != want {
		t.Fatalf("ClaimBatches(%s, %v) = %d batches, %v; want %d", owner, now, len(bs), err, want)
	}
	return bs
}

func testFormBatches(t *testing.T, s chat.Store) {
	ada, bob, cy := newUser(t, s, "ada"), newUser(t, s, "bob"), newUser(t, s, "cy")
	r := newRoom(t, s, bob, "general")
	post(t, s, r, bob, "@ada one", ada)
	post(t, s, r, bob, "@ada two", ada)
	adaDone := time.Now()
	time.Sleep(5 * time.Millisecond) // cy's notification is strictly newer
	post(t, s, r, bob, "@cy one", cy)
	cyDone := time.Now()

	formOne(t, s, adaDone, 0)                         // nothing has waited the window
	formOne(t, s, adaDone.Add(window-time.Second), 0) // still not
	formOne(t, s, adaDone.Add(window), 1)             // ada's oldest has waited: only ada
	formOne(t, s, adaDone.Add(window), 0)             // nothing left for ada
	time.Sleep(5 * time.Millisecond)
	post(t, s, r, bob, "@ada three", ada)    // new, unbatched: waits its own window
	formOne(t, s, cyDone.Add(window), 1)     // cy only
	formOne(t, s, time.Now().Add(window), 1) // ada's third, in a second batch

	bs, err := s.MailBatches(context.Background(), chat.BatchPending, 10)
	if err != nil || len(bs) != 3 {
		t.Fatalf("MailBatches = %d, %v", len(bs), err)
	}
	var bodies []string
	for i := len(bs) - 1; i >= 0; i-- { // oldest batch first
		b := bs[i]
		if b.Status != chat.BatchPending || b.Attempts != 0 || b.LastError != "" || b.ID == "" {
			t.Fatalf("batch %+v", b)
		}
		for _, it := range b.Items {
			if it.Room != (chat.RoomRef{ID: r.ID, Name: "general", Visibility: chat.Public}) || it.Message.Author != bob.Ref() || it.Message.Mentions == nil {
				t.Fatalf("item %+v", it)
			}
		}
		bodies = append(bodies, fmt.Sprintf("%s:%d", b.User.Username, len(b.Items)))
	}
	if fmt.Sprint(bodies) != "[ada:2 cy:1 ada:1]" {
		t.Fatalf("batches = %v", bodies)
	}
	if all, err := s.MailBatches(context.Background(), "", 2); err != nil || len(all) != 2 || all[0].ID != bs[0].ID {
		t.Fatalf("MailBatches(all, 2) = %v, %v", all, err)
	}
	if sent, err := s.MailBatches(context.Background(), chat.BatchSent, 10); err != nil || len(sent) != 0 {
		t.Fatalf("MailBatches(sent) = %v, %v", sent, err)
	}
}

// pendingBatch posts one mention of to, forms its batch and returns now,
// the instant from which the batch is due.
func pendingBatch(t *testing.T, s chat.Store, r chat.Room, from, to chat.User, body string) time.Time {
	t.Helper()
	post(t, s, r, from, body, to)
	now := time.Now().Add(window)
	formOne(t, s, now, 1)
	return now
}

func testBatchLifecycle(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada, bob := newUser(t, s, "ada"), newUser(t, s, "bob")
	r := newRoom(t, s, bob, "general")
	now := pendingBatch(t, s, r, bob, ada, "@ada hello")

	b := claim(t, s, "w1", now, 1)[0]
	if b.Attempts != 1 || b.Kind != chat.BatchMention || b.User.ID != ada.ID || b.User.Email != "ada@example.org" || len(b.Items) != 1 || b.Items[0].Message.Body != "@ada hello" {
		t.Fatalf("claimed %+v", b)
	}
	claim(t, s, "w2", now, 0)                             // held by w1
	claim(t, s, "w2", now.Add(lease-time.Millisecond), 0) // still held
	re := claim(t, s, "w2", now.Add(lease+time.Second), 1)[0]
	if re.ID != b.ID || re.Attempts != 2 {
		t.Fatalf("reclaimed %s attempts %d, want %s attempts 2", re.ID, re.Attempts, b.ID)
	}
	later := now.Add(lease + 2*time.Second)
	tests := []struct {
		name string
		do   func() error
		code string
	}{
		{"finish with lost lease", func() error { return s.FinishBatch(ctx, b.ID, "w1", chat.BatchSent, later) }, chat.ECONFLICT},
		{"retry with lost lease", func() error { return s.RetryBatch(ctx, b.ID, "w1", "x", later, false) }, chat.ECONFLICT},
		{"defer with lost lease", func() error { return s.DeferBatch(ctx, b.ID, "w1", later) }, chat.ECONFLICT},
		{"finish as pending", func() error { return s.FinishBatch(ctx, b.ID, "w2", chat.BatchPending, later) }, chat.EINVALID},
		{"finish unknown", func() error { return s.FinishBatch(ctx, chat.NewID(), "w2", chat.BatchSent, later) }, chat.ENOTFOUND},
		{"finish", func() error { return s.FinishBatch(ctx, b.ID, "w2", chat.BatchSent, later) }, ""},
		{"finish twice", func() error { return s.FinishBatch(ctx, b.ID, "w2", chat.BatchSent, later) }, chat.ECONFLICT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantCode(t, tt.name, tt.do(), tt.code) })
	}
	claim(t, s, "w3", later.Add(time.Hour), 0) // sent batches are never claimed again
	counts := []struct {
		since time.Time
		want  int
	}{{later, 1}, {later.Add(-time.Hour), 1}, {later.Add(time.Millisecond), 0}}
	for _, c := range counts {
		if n, err := s.SentSince(ctx, "ADA@example.org", c.since); err != nil || n != c.want {
			t.Fatalf("SentSince(%v) = %d, %v; want %d", c.since, n, err, c.want)
		}
	}
	if n, err := s.SentSince(ctx, bob.Email, later.Add(-time.Hour)); err != nil || n != 0 {
		t.Fatalf("SentSince(bob) = %d, %v", n, err)
	}

	// Skipped: final, not counted as sent.
	now = pendingBatch(t, s, r, bob, ada, "@ada again")
	sk := claim(t, s, "w1", now, 1)[0]
	if err := s.FinishBatch(ctx, sk.ID, "w1", chat.BatchSkipped, now); err != nil {
		t.Fatal(err)
	}
	if bs, err := s.MailBatches(ctx, chat.BatchSkipped, 10); err != nil || len(bs) != 1 || bs[0].ID != sk.ID {
		t.Fatalf("MailBatches(skipped) = %v, %v", bs, err)
	}
	if n, _ := s.SentSince(ctx, "ADA@example.org", now.Add(-time.Hour)); n != 1 {
		t.Fatalf("SentSince after skip = %d, want 1", n)
	}
}

func testRetryAndDefer(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada, bob := newUser(t, s, "ada"), newUser(t, s, "bob")
	r := newRoom(t, s, bob, "general")
	now := pendingBatch(t, s, r, bob, ada, "@ada hello")
	b := claim(t, s, "w1", now, 1)[0]

	if err := s.RetryBatch(ctx, b.ID, "w1", "smtp down", now.Add(10*time.Second), false); err != nil {
		t.Fatal(err)
	}
	claim(t, s, "w1", now.Add(9*time.Second), 0) // not due yet
	b = claim(t, s, "w2", now.Add(10*time.Second), 1)[0]
	if b.Attempts != 2 || b.LastError != "smtp down" || !b.NextAttempt.Equal(now.Add(10*time.Second).Truncate(time.Millisecond)) {
		t.Fatalf("after retry: %+v", b)
	}

	if err := s.DeferBatch(ctx, b.ID, "w2", now.Add(20*time.Second)); err != nil {
		t.Fatal(err)
	}
	claim(t, s, "w1", now.Add(19*time.Second), 0)
	b = claim(t, s, "w1", now.Add(20*time.Second), 1)[0]
	if b.Attempts != 2 {
		t.Fatalf("attempts after defer = %d, want 2 (a deferral is not an attempt)", b.Attempts)
	}

	if err := s.RetryBatch(ctx, b.ID, "w1", "mailbox unavailable", now.Add(time.Hour), true); err != nil {
		t.Fatal(err)
	}
	claim(t, s, "w1", now.Add(48*time.Hour), 0) // failed batches stay put
	failed, err := s.MailBatches(ctx, chat.BatchFailed, 10)
	if err != nil || len(failed) != 1 || failed[0].ID != b.ID || failed[0].Attempts != 2 ||
		failed[0].LastError != "mailbox unavailable" || failed[0].Status != chat.BatchFailed || len(failed[0].Items) != 1 {
		t.Fatalf("MailBatches(failed) = %+v, %v", failed, err)
	}
	wantCode(t, "retry a failed batch", s.RetryBatch(ctx, b.ID, "w1", "x", now, false), chat.ECONFLICT)
	wantCode(t, "defer unknown", s.DeferBatch(ctx, chat.NewID(), "w1", now), chat.ENOTFOUND)
}

// testClaimExclusive has 4 workers claim 20 batches concurrently; each
// batch must go to exactly one of them.
func testClaimExclusive(t *testing.T, s chat.Store) {
	ctx := context.Background()
	const users, workers = 20, 4
	bob := newUser(t, s, "bob")
	r := newRoom(t, s, bob, "general")
	for i := range users {
		u := newUser(t, s, fmt.Sprintf("user%02d", i))
		post(t, s, r, bob, "@"+u.Username, u)
	}
	now := time.Now().Add(window)
	formOne(t, s, now, users)
	var mu sync.Mutex
	owners := map[string]string{}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		owner := fmt.Sprintf("w%d", w)
		wg.Go(func() {
			for {
				bs, err := s.ClaimBatches(ctx, owner, now, lease, 3)
				if err != nil {
					errs <- err
					return
				}
				if len(bs) == 0 {
					return
				}
				mu.Lock()
				for _, b := range bs {
					if prev, ok := owners[b.ID]; ok {
						errs <- fmt.Errorf("batch %s claimed by %s and %s", b.ID, prev, owner)
					}
					owners[b.ID] = owner
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(owners) != users {
		t.Fatalf("%d batches claimed, want %d", len(owners), users)
	}
}

// testOutboxStats: the backlog counts unbatched notifications, then the
// pending batch they form, and is empty once the batch is sent.
func testOutboxStats(t *testing.T, s chat.Store) {
	ctx := context.Background()
	stats := func(want chat.OutboxStats, oldestFrom, oldestTo time.Time) {
		t.Helper()
		st, err := s.OutboxStats(ctx)
		if err != nil || st.Notifications != want.Notifications || st.Batches != want.Batches {
			t.Fatalf("OutboxStats = %+v, %v; want %+v", st, err, want)
		}
		if st.Oldest.Before(oldestFrom) || st.Oldest.After(oldestTo) {
			t.Fatalf("OutboxStats.Oldest = %v, want within [%v, %v]", st.Oldest, oldestFrom, oldestTo)
		}
	}
	stats(chat.OutboxStats{}, time.Time{}, time.Time{})
	ada, bob := newUser(t, s, "ada"), newUser(t, s, "bob")
	r := newRoom(t, s, bob, "general")
	before := time.Now().Truncate(time.Millisecond)
	post(t, s, r, bob, "@ada one", ada)
	first := time.Now()
	post(t, s, r, bob, "@ada two", ada)
	stats(chat.OutboxStats{Notifications: 2}, before, first)

	now := time.Now().Add(window).Truncate(time.Millisecond) // a batch is created at the now it is formed
	formOne(t, s, now, 1)
	stats(chat.OutboxStats{Batches: 1}, now, now)
	b := claim(t, s, "w1", now, 1)[0]
	if err := s.FinishBatch(ctx, b.ID, "w1", chat.BatchSent, now); err != nil {
		t.Fatal(err)
	}
	stats(chat.OutboxStats{}, time.Time{}, time.Time{})
}

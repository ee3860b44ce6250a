package cleanup_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/cleanup"
	"github.com/open-chat/openchat/internal/memory"
	"github.com/open-chat/openchat/internal/password"
	"github.com/open-chat/openchat/internal/postgres"
	"github.com/open-chat/openchat/internal/postgres/pgtest"
	"github.com/open-chat/openchat/internal/sqlite"
)

// stores opens a fresh store of each engine.
func stores(t *testing.T) map[string]chat.Store {
	ctx := context.Background()
	lite, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "t.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lite.Close() })
	pg, err := postgres.Open(ctx, pgtest.NewDatabase(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	return map[string]chat.Store{"sqlite": lite, "postgres": pg}
}

type recorded struct {
	mu   sync.Mutex
	rows map[string]int64
	errs map[string]int
}

func (r *recorded) CleanupTask(task string, rows int64, _ time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rows[task] += rows
	if err != nil {
		r.errs[task]++
	}
}

// TestStoreTasks runs every task on each engine with a clock 40 days
// ahead: the expired session, the sent mail batch with its notification,
// the client ids and (with a retention of 30 days) the messages go; what
// is young stays. A batch of 2 makes each task run several batches.
func TestStoreTasks(t *testing.T) {
	for name, st := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			ps := memory.NewPubSub()
			t.Cleanup(func() { ps.Close() })
			svc := chat.NewService(chat.Deps{Store: st, Cache: chat.NoCache{}, PubSub: ps,
				Hasher: password.NewArgon2id(password.Params{Memory: 64, Time: 1, Threads: 1})})
			ada, err := svc.SignUp(ctx, chat.SignUpInput{Username: "ada", Email: "ada@example.org", Password: "correct horse battery"})
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := svc.SignIn(ctx, "ada", "correct horse battery", chat.Client{}); err != nil {
				t.Fatal(err)
			}
			room, err := svc.CreateRoom(ctx, ada, "general", "", chat.Public)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []string{"c1", "c2", "c3"} {
				if _, _, err := svc.Post(ctx, ada, chat.Post{RoomID: room.ID, Body: "hello " + c, ClientID: c}); err != nil {
					t.Fatal(err)
				}
			}
			later := time.Now().Add(40 * 24 * time.Hour)
			reset := chat.PasswordReset{ID: chat.NewID(), UserID: ada.ID, TokenHash: "th", CreatedAt: chat.NewTime(time.Now()),
				ExpiresAt: chat.NewTime(time.Now().Add(time.Hour))} // expired 40 days before later
			if err := st.CreatePasswordReset(ctx, reset, 0, nil); err != nil {
				t.Fatal(err)
			}
			for _, age := range []time.Duration{400 * 24 * time.Hour, 300 * 24 * time.Hour} { // past the year, within it
				if err := st.AppendAudit(ctx, chat.AuditEntry{ActorID: ada.ID, ActorName: ada.Username, Action: chat.AuditDeactivate,
					TargetType: chat.AuditTargetUser, TargetID: ada.ID, Details: []byte(`{}`), CreatedAt: chat.NewTime(later.Add(-age))}); err != nil {
					t.Fatal(err)
				}
			}
			m := &recorded{rows: map[string]int64{}, errs: map[string]int{}}
			r := cleanup.New(cleanup.Config{Batch: 2, Now: func() time.Time { return later }}, memory.NewLocker(), m, nil,
				cleanup.StoreTasks(st, svc, cleanup.Retention{MailHistory: 30 * 24 * time.Hour, Messages: 30 * 24 * time.Hour})...)
			ran, err := r.RunOnce(ctx)
			if err != nil || !ran {
				t.Fatalf("RunOnce = %v, %v", ran, err)
			}
			// The session expires after 30 days; the verification e-mail's
			// batch is pending (no mailer ran), so it stays.
			// One audit entry is past chat.AuditRetention; no uploads (files are off).
			want := map[string]int64{"sessions": 1, "mail_history": 0, "client_ids": 3, "message_retention": 3, "audit_log": 1, "uploads": 0, "password_resets": 1}
			for task, n := range want {
				if m.rows[task] != n || m.errs[task] != 0 {
					t.Errorf("%s: %d rows, %d errors; want %d rows", task, m.rows[task], m.errs[task], n)
				}
			}
			msgs, err := st.Messages(ctx, room.ID, chat.MessageQuery{Limit: 10})
			if err != nil || len(msgs) != 3 {
				t.Fatalf("messages = %d, %v", len(msgs), err)
			}
			for _, x := range msgs {
				if !x.Deleted || x.ClientID != "" || x.Body != "" {
					t.Errorf("message %d after retention: %+v", x.Seq, x)
				}
			}
			if ran, err := r.RunOnce(ctx); err != nil || !ran {
				t.Fatalf("second RunOnce = %v, %v", ran, err)
			}
		})
	}
}

// TestOneRunnerAtATime: while one runner runs (its task blocks), a second
// runner sharing the lock does not run, and runs once the first is done.
func TestOneRunnerAtATime(t *testing.T) {
	ctx := context.Background()
	lock := memory.NewLocker()
	started, finish := make(chan struct{}), make(chan struct{})
	var runs sync.Map
	task := func(name string, block bool) cleanup.Task {
		return cleanup.Task{Name: name, Batch: func(context.Context, time.Time, int) (int64, error) {
			runs.Store(name, true)
			if block {
				close(started)
				<-finish
			}
			return 0, nil
		}}
	}
	a := cleanup.New(cleanup.Config{}, lock, nil, nil, task("a", true))
	b := cleanup.New(cleanup.Config{}, lock, nil, nil, task("b", false))
	done := make(chan error, 1)
	go func() { _, err := a.RunOnce(ctx); done <- err }()
	<-started
	if ran, err := b.RunOnce(ctx); ran || err != nil {
		t.Fatalf("second runner ran = %v, %v while the first held the lock", ran, err)
	}
	if _, ok := runs.Load("b"); ok {
		t.Fatal("the second runner's task ran")
	}
	close(finish)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if ran, err := b.RunOnce(ctx); !ran || err != nil {
		t.Fatalf("second runner after the first = %v, %v", ran, err)
	}
}

// TestFailingTask: a failing task is reported and does not stop the others.
func TestFailingTask(t *testing.T) {
	boom := errors.New("boom")
	var after bool
	m := &recorded{rows: map[string]int64{}, errs: map[string]int{}}
	r := cleanup.New(cleanup.Config{}, memory.NewLocker(), m, nil,
		cleanup.Task{Name: "bad", Batch: func(context.Context, time.Time, int) (int64, error) { return 0, boom }},
		cleanup.Task{Name: "good", Batch: func(context.Context, time.Time, int) (int64, error) { after = true; return 1, nil }})
	if ran, err := r.RunOnce(context.Background()); !ran || !errors.Is(err, boom) {
		t.Fatalf("RunOnce = %v, %v; want ran and boom", ran, err)
	}
	if !after || m.errs["bad"] != 1 || m.rows["good"] != 1 {
		t.Fatalf("good ran %v, metrics %+v", after, m)
	}
	if got := r.Tasks(); len(got) != 2 || got[0] != "bad" || got[1] != "good" {
		t.Fatalf("Tasks() = %v", got)
	}
}

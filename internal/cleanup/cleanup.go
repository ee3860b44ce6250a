// Package cleanup is the data lifecycle job (issue 16): every interval it
// runs a list of tasks, each deleting what has outlived its use in bounded
// batches, on one instance of the deployment at a time (a chat.Locker).
package cleanup

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// Defaults of Config.
const (
	DefaultInterval   = time.Hour
	DefaultFirstDelay = time.Minute // after start: the server is up and warm first
	// DefaultMaxBatches bounds one task's batches in one run (500 × 200 =
	// 100,000 rows); what is left waits for the next run.
	DefaultMaxBatches = 200
)

// LockName is the lock that elects the instance that runs the job.
const LockName = "cleanup"

// Task is one kind of deletion. Batch deletes at most limit rows, in one
// short transaction, and returns how many; the runner repeats it while
// that is limit. A task must be safe to run twice (a lost lock).
type Task struct {
	Name  string
	Batch func(ctx context.Context, now time.Time, limit int) (int64, error)
}

// Metrics records each task's runs; *metrics.Prometheus is one.
type Metrics interface {
	CleanupTask(task string, rows int64, d time.Duration, err error)
}

type nopMetrics struct{}

func (nopMetrics) CleanupTask(string, int64, time.Duration, error) {}

// Config holds the runner's timing and bounds; zero fields take defaults.
type Config struct {
	Interval   time.Duration
	FirstDelay time.Duration
	Batch      int // rows per batch: chat.CleanupBatch
	MaxBatches int
	// Now is the clock the tasks' cutoffs are taken from (time.Now).
	Now func() time.Time
}

// Runner runs the tasks.
type Runner struct {
	cfg   Config
	lock  chat.Locker
	m     Metrics
	log   *slog.Logger
	tasks []Task
}

// New returns a Runner of tasks; m and log may be nil.
func New(cfg Config, lock chat.Locker, m Metrics, log *slog.Logger, tasks ...Task) *Runner {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.FirstDelay <= 0 {
		cfg.FirstDelay = DefaultFirstDelay
	}
	if cfg.Batch <= 0 {
		cfg.Batch = chat.CleanupBatch
	}
	if cfg.MaxBatches <= 0 {
		cfg.MaxBatches = DefaultMaxBatches
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if m == nil {
		m = nopMetrics{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Runner{cfg: cfg, lock: lock, m: m, log: log, tasks: tasks}
}

// Add appends a task (the uploads sweep, audit log pruning: other parts of
// OpenChat plug theirs in here). Call it before Run.
func (r *Runner) Add(t Task) { r.tasks = append(r.tasks, t) }

// Tasks returns the names of the tasks, in the order they run.
func (r *Runner) Tasks() []string {
	out := make([]string, len(r.tasks))
	for i, t := range r.tasks {
		out[i] = t.Name
	}
	return out
}

// Run runs the job after FirstDelay, then every Interval, until ctx ends.
func (r *Runner) Run(ctx context.Context) {
	t := time.NewTimer(r.cfg.FirstDelay)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := r.RunOnce(ctx); err != nil && !errors.Is(err, context.Canceled) {
			r.log.WarnContext(ctx, "cleanup failed", "err", err)
		}
		t.Reset(r.cfg.Interval)
	}
}

// RunOnce runs every task once if this instance gets the lock; ran is
// false when another instance holds it. A failing task does not stop the
// others; the errors are joined.
func (r *Runner) RunOnce(ctx context.Context) (ran bool, err error) {
	release, held, err := r.lock.TryLock(ctx, LockName)
	if err != nil || !held {
		return false, err
	}
	defer func() {
		if rerr := release(context.WithoutCancel(ctx)); rerr != nil {
			err = errors.Join(err, rerr)
		}
	}()
	var errs []error
	for _, t := range r.tasks {
		errs = append(errs, r.runTask(ctx, t))
	}
	return true, errors.Join(errs...)
}

// runTask repeats t's batches until one deletes fewer than a full batch,
// or MaxBatches ran.
func (r *Runner) runTask(ctx context.Context, t Task) error {
	start, began := r.cfg.Now(), time.Now()
	var total int64
	var err error
	for range r.cfg.MaxBatches {
		var n int64
		n, err = t.Batch(ctx, start, r.cfg.Batch)
		total += n
		if err != nil || n < int64(r.cfg.Batch) {
			break
		}
	}
	d := time.Since(began)
	r.m.CleanupTask(t.Name, total, d, err)
	if err != nil {
		r.log.WarnContext(ctx, "cleanup task failed", "task", t.Name, "rows", total, "err", err)
		return err
	}
	if total > 0 {
		r.log.InfoContext(ctx, "cleanup", "task", t.Name, "rows", total, "took", d)
	}
	return nil
}

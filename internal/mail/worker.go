// Package mail sends mention e-mails: a worker drains the durable outbox
// (chat.OutboxStore) one batch per e-mail, through an SMTP or file
// transport, under a global rate limit and a per-recipient cap.
// docs/notifications.md describes the guarantees and the settings.
package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"golang.org/x/time/rate"

	"github.com/open-chat/openchat/internal/chat"
)

// Outcomes counted by chat.Metrics.MailSent.
const (
	OutcomeSent    = "sent"
	OutcomeSkipped = "skipped"
	OutcomeRetry   = "retry"
	OutcomeFailed  = "failed"
	// OutcomeDeferred counts batches put back by the per-recipient cap.
	OutcomeDeferred = "deferred"
)

// releaseTimeout bounds recording an outcome or handing claimed batches
// back after ctx ended (shutdown).
const releaseTimeout = 5 * time.Second

// Worker delivers the outbox. Run one per instance; any number may share a
// store, since batches are leased.
type Worker struct {
	cfg       Config
	store     chat.OutboxStore
	presence  chat.Presence
	transport Transport
	metrics   chat.Metrics
	log       *slog.Logger
	limiter   *rate.Limiter
	tmpl      templates
}

// NewWorker wires a worker; zero Config fields take the defaults. metrics
// and log may be nil.
func NewWorker(cfg Config, store chat.OutboxStore, presence chat.Presence, t Transport, metrics chat.Metrics, log *slog.Logger) *Worker {
	cfg = cfg.withDefaults()
	if metrics == nil {
		metrics = chat.NopMetrics{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	tmpl, err := parseTemplates()
	if err != nil {
		panic(fmt.Sprintf("mail: embedded templates: %v", err)) // a build defect, caught by every test
	}
	return &Worker{cfg: cfg, store: store, presence: presence, transport: t, metrics: metrics,
		// The caller's logger already names the instance (cmd/openchat adds
		// "instance" to every line); adding it here printed the key twice.
		log:     log.With("component", "mail"),
		limiter: rate.NewLimiter(rate.Limit(cfg.Rate), cfg.Burst), tmpl: tmpl}
}

// Run forms and sends batches every PollInterval until ctx ends, then
// returns nil. Store errors are logged and retried on the next pass.
func (w *Worker) Run(ctx context.Context) error {
	t := time.NewTicker(w.cfg.PollInterval)
	defer t.Stop()
	for {
		if err := w.Tick(ctx); err != nil && ctx.Err() == nil {
			w.log.WarnContext(ctx, "mail pass failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Tick does one pass: form the batches whose window has passed, claim up to
// ClaimLimit due batches and deliver them.
func (w *Worker) Tick(ctx context.Context) error {
	now := w.cfg.Now()
	if _, err := w.store.FormBatches(ctx, now, w.cfg.BatchWindow); err != nil {
		return fmt.Errorf("form batches: %w", err)
	}
	batches, err := w.store.ClaimBatches(ctx, w.cfg.InstanceID, now, w.cfg.Lease, w.claimLimit())
	if err != nil {
		return fmt.Errorf("claim batches: %w", err)
	}
	var errs []error
	for i, b := range batches {
		if ctx.Err() != nil {
			w.release(ctx, batches[i:])
			return ctx.Err()
		}
		if err := w.deliver(ctx, b); err != nil {
			errs = append(errs, fmt.Errorf("batch %s: %w", b.ID, err))
		}
	}
	return errors.Join(errs...)
}

// claimLimit is ClaimLimit, lowered so that the rate limiter lets a pass
// send everything it claimed within half the lease: a claimed batch that
// waits out its lease would be sent by two workers.
func (w *Worker) claimLimit() int {
	n := w.cfg.Burst + int(w.cfg.Rate*w.cfg.Lease.Seconds()/2)
	return max(1, min(n, w.cfg.ClaimLimit))
}

// deliver decides, sends and records one claimed batch. The returned error
// is about the store; a failed send is recorded on the batch instead.
func (w *Worker) deliver(ctx context.Context, b chat.MailBatch) error {
	log := w.log.With("batch", b.ID, "kind", b.Kind, "user", b.User.ID, "attempt", b.Attempts)
	if why := w.skip(ctx, b); why != "" {
		w.metrics.MailSent(OutcomeSkipped)
		log.DebugContext(ctx, "e-mail skipped", "why", why)
		return w.store.FinishBatch(ctx, b.ID, w.cfg.InstanceID, chat.BatchSkipped, w.cfg.Now())
	}
	now := w.cfg.Now()
	sent, err := w.store.SentSince(ctx, b.User.Email, now.Add(-time.Hour))
	if err != nil {
		w.release(ctx, []chat.MailBatch{b})
		return fmt.Errorf("sent since: %w", err)
	}
	if sent >= w.cfg.PerRecipientPerHour {
		w.metrics.MailSent(OutcomeDeferred)
		log.InfoContext(ctx, "per-address cap reached; batch deferred", "sent_last_hour", sent, "until", now.Add(w.cfg.RecipientCapDelay))
		return w.store.DeferBatch(ctx, b.ID, w.cfg.InstanceID, now.Add(w.cfg.RecipientCapDelay))
	}
	e, err := w.tmpl.render(w.cfg, b, now)
	if err != nil { // retrying cannot fix a template or address problem
		w.metrics.MailSent(OutcomeFailed)
		log.ErrorContext(ctx, "e-mail cannot be built; batch failed", "err", err)
		return w.store.RetryBatch(ctx, b.ID, w.cfg.InstanceID, err.Error(), now, true)
	}
	if err := w.limiter.Wait(ctx); err != nil {
		w.release(ctx, []chat.MailBatch{b})
		return err
	}
	sctx, cancel := context.WithTimeout(ctx, w.cfg.SendTimeout)
	err = w.transport.Send(sctx, e)
	cancel()
	// Record the outcome even if ctx ends now (shutdown): an unrecorded
	// send is sent again when the lease expires.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	if err != nil {
		return w.retry(rctx, log, b, err)
	}
	w.metrics.MailSent(OutcomeSent)
	log.InfoContext(ctx, "e-mail sent", "message_id", e.MessageID, "mentions", len(b.Items))
	if err := w.store.FinishBatch(rctx, b.ID, w.cfg.InstanceID, chat.BatchSent, w.cfg.Now()); err != nil {
		// The e-mail is out; if the lease was lost, another worker may send
		// it again with the same Message-ID.
		return fmt.Errorf("finish sent batch: %w", err)
	}
	return nil
}

// skip says why a batch is not to be sent, or "". A verification e-mail
// goes out unless there is nothing to verify; any other e-mail needs a
// verified address (so an address someone typed at sign-up gets nothing
// but the one question) and the user's preference.
func (w *Worker) skip(ctx context.Context, b chat.MailBatch) string {
	switch {
	case b.User.Email == "":
		return "no address"
	case b.Kind == chat.BatchVerify && b.User.EmailVerified:
		return "address already verified"
	case b.Kind == chat.BatchVerify, b.Kind == chat.BatchReset:
		return "" // a reset goes to an unverified address too: following it proves the address
	case len(b.Items) == 0:
		return "every message of the batch was deleted"
	case !b.User.EmailVerified:
		return "address not verified"
	case !b.User.EmailNotifications.ShouldEmail(w.online(ctx, b.User)):
		return "preference " + string(b.User.EmailNotifications)
	}
	return ""
}

// online asks presence only when the preference depends on it; a presence
// failure counts as offline, so a mention is never dropped because of it.
func (w *Worker) online(ctx context.Context, u chat.User) bool {
	if u.EmailNotifications != chat.NotifyOffline || w.presence == nil {
		return false
	}
	on, err := w.presence.IsOnline(ctx, u.ID)
	if err != nil {
		w.log.WarnContext(ctx, "presence failed; treating user as offline", "user", u.ID, "err", err)
		return false
	}
	return on
}

// retry records a failed send: back off, or give up after MaxAttempts.
func (w *Worker) retry(ctx context.Context, log *slog.Logger, b chat.MailBatch, sendErr error) error {
	giveUp := b.Attempts >= w.cfg.MaxAttempts
	next := w.cfg.Now().Add(Backoff(b.Attempts, w.cfg.BackoffBase, w.cfg.BackoffMax))
	if giveUp {
		w.metrics.MailSent(OutcomeFailed)
		log.ErrorContext(ctx, "mention e-mail failed; giving up", "err", sendErr)
	} else {
		w.metrics.MailSent(OutcomeRetry)
		log.WarnContext(ctx, "mention e-mail failed; will retry", "err", sendErr, "next", next)
	}
	return w.store.RetryBatch(ctx, b.ID, w.cfg.InstanceID, sendErr.Error(), next, giveUp)
}

// release hands claimed, unsent batches back for immediate reuse (shutdown,
// store trouble) instead of leaving them until the lease expires.
func (w *Worker) release(ctx context.Context, bs []chat.MailBatch) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	now := w.cfg.Now()
	for _, b := range bs {
		if err := w.store.DeferBatch(ctx, b.ID, w.cfg.InstanceID, now); err != nil {
			w.log.WarnContext(ctx, "release batch failed; it returns when its lease expires", "batch", b.ID, "err", err)
		}
	}
}

// Backoff is the delay after the attempt-th failure: base·2^(attempt-1)
// capped at max, then drawn uniformly from its upper half so that batches
// failing together do not retry together.
func Backoff(attempt int, base, ceiling time.Duration) time.Duration {
	d := ceiling
	if attempt < 1 {
		attempt = 1
	}
	if shift := attempt - 1; shift < 32 && base<<shift > 0 && base<<shift < ceiling {
		d = base << shift
	}
	return d/2 + rand.N(d/2+1)
}

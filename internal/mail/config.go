package mail

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// Defaults of Config; docs/notifications.md lists them with their flags.
const (
	// DefaultBatchWindow is how long the oldest pending mention of a user
	// waits for more before they all go out as one e-mail.
	DefaultBatchWindow = 60 * time.Second
	// DefaultPollInterval is how often Run looks for batches to form and send.
	DefaultPollInterval = time.Second
	// DefaultRate and DefaultBurst are the instance's sending limit: one
	// e-mail per second with bursts of 4, what common transactional mail
	// services allow by default. Mail over the limit waits.
	DefaultRate  = 1.0
	DefaultBurst = 4
	// DefaultPerRecipientPerHour caps e-mails to one address per rolling
	// hour; a batch over the cap is deferred by RecipientCapDelay, not dropped.
	DefaultPerRecipientPerHour = 20
	// DefaultRecipientCapDelay is how long a capped batch waits before the
	// cap is checked again.
	DefaultRecipientCapDelay = 5 * time.Minute
	// DefaultLease is how long a claimed batch belongs to one worker; if the
	// worker dies, another resends the batch once the lease has expired.
	DefaultLease = 2 * time.Minute
	// DefaultSendTimeout bounds one SMTP hand-off; it must stay well under
	// the lease so a slow server cannot make two workers send at once.
	DefaultSendTimeout = 30 * time.Second
	// DefaultMaxAttempts bounds tries per batch; after it the batch is
	// marked failed and kept, visible to operators.
	DefaultMaxAttempts = 10
	// DefaultBackoffBase and DefaultBackoffMax shape the retry delay:
	// base·2^(attempt-1), capped, with jitter.
	DefaultBackoffBase = 30 * time.Second
	DefaultBackoffMax  = time.Hour
	// DefaultClaimLimit is the most batches one pass claims.
	DefaultClaimLimit = 10
	// DefaultFrom is the sender when none is configured.
	DefaultFrom = "OpenChat <openchat@localhost>"
)

// Config is the worker's settings. Zero fields take the defaults above.
type Config struct {
	InstanceID          string        // lease owner; unique per instance
	PublicURL           string        // base of links, e.g. https://chat.example.org
	From                string        // From header, e.g. "OpenChat <chat@example.org>"
	Secret              []byte        // HMAC key of unsubscribe links (chat.UnsubscribeToken)
	BatchWindow         time.Duration // --mail-batch-window
	PollInterval        time.Duration
	Rate                float64 // e-mails per second, --mail-rate
	Burst               int     // --mail-burst
	PerRecipientPerHour int     // --mail-per-recipient-hour
	RecipientCapDelay   time.Duration
	Lease               time.Duration
	SendTimeout         time.Duration
	MaxAttempts         int
	BackoffBase         time.Duration
	BackoffMax          time.Duration
	ClaimLimit          int
	// Now is the worker's clock for the outbox (windows, leases, backoff);
	// tests move it forward instead of sleeping. The rate limiter always
	// runs on real time.
	Now chat.Clock
}

func (c Config) withDefaults() Config {
	setDur := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	setDur(&c.BatchWindow, DefaultBatchWindow)
	setDur(&c.PollInterval, DefaultPollInterval)
	setDur(&c.RecipientCapDelay, DefaultRecipientCapDelay)
	setDur(&c.Lease, DefaultLease)
	setDur(&c.SendTimeout, DefaultSendTimeout)
	setDur(&c.BackoffBase, DefaultBackoffBase)
	setDur(&c.BackoffMax, DefaultBackoffMax)
	if c.Rate <= 0 {
		c.Rate = DefaultRate
	}
	if c.Burst <= 0 {
		c.Burst = DefaultBurst
	}
	if c.PerRecipientPerHour <= 0 {
		c.PerRecipientPerHour = DefaultPerRecipientPerHour
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.ClaimLimit <= 0 {
		c.ClaimLimit = DefaultClaimLimit
	}
	if c.From == "" {
		c.From = DefaultFrom
	}
	if c.InstanceID == "" {
		c.InstanceID = chat.NewID()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Validate reports settings that would make every e-mail fail; call it at
// start-up so a typo stops the server instead of filling the outbox with
// failures.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	if _, err := mail.ParseAddress(c.From); err != nil {
		errs = append(errs, fmt.Errorf("mail from %q: %w", c.From, err))
	}
	if u, err := url.Parse(c.PublicURL); c.PublicURL == "" || err != nil || u.Host == "" ||
		(u.Scheme != "http" && u.Scheme != "https") {
		errs = append(errs, fmt.Errorf("public url %q: must be an absolute http(s) URL", c.PublicURL))
	}
	if len(c.Secret) == 0 {
		errs = append(errs, errors.New("mail: an unsubscribe secret is required"))
	}
	if c.SendTimeout >= c.Lease/2 {
		errs = append(errs, fmt.Errorf("mail: send timeout %s must be under half the lease %s", c.SendTimeout, c.Lease))
	}
	return errors.Join(errs...)
}

package chat

import (
	"context"
	"time"
)

// A change that commits but whose publish fails (a broker timeout under
// load) reached no live subscriber: each hub notices the gap only when the
// room's next change arrives, which in a quiet room may be hours later.
// And a sign-out whose eviction is not published leaves the token working
// on other instances until their session cache expires. Both events are
// safe to publish twice (every hub drops a change it has, by number; an
// eviction of nothing does nothing), so the Service publishes them again,
// in the background, PublishRetries times, waiting PublishRetryWait, then
// four times as long each time (0.25 s, 1 s, 4 s: about 5 s in all).
const (
	PublishRetries   = 3
	PublishRetryWait = 250 * time.Millisecond
)

// republishable reports whether e, published on channel, is retried.
func republishable(channel string, e Event) bool {
	return e.Change > 0 || channel == SessionsChannel
}

// republish publishes b again until it succeeds or the retries run out.
// It runs in the background (WaitBackground waits for it, so a shutdown
// gives it its 5 s before the broker closes), with ctx's values but not
// its end (the request that made the change has usually been answered).
func (s *Service) republish(ctx context.Context, channel, typ string, b []byte) {
	ctx = context.WithoutCancel(ctx)
	wait := PublishRetryWait
	for n := 1; n <= PublishRetries; n++ {
		time.Sleep(wait)
		err := s.pubsub.Publish(ctx, channel, b)
		if err == nil {
			s.log.InfoContext(ctx, "publish succeeded on retry", "channel", channel, "type", typ, "retry", n)
			return
		}
		if n == PublishRetries {
			s.log.ErrorContext(ctx, "publish failed after retries; live subscribers get this change with the room's next one",
				"channel", channel, "type", typ, "err", err)
		}
		wait *= 4
	}
}

package redis

import (
	"context"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/redis/redistest"
)

// TestRateLimiterRedisDown: with Redis gone, Allow fails within the
// timeout (the Service then applies the limit's failure policy); when Redis
// is back, it decides again.
func TestRateLimiterRedisDown(t *testing.T) {
	url, stop, start := redistest.StartServer(t)
	c := open(t, url, Options{Prefix: "t:", Timeout: DefaultTimeout})
	ctx := context.Background()
	l := chat.Limit{Name: "posts", Quota: 1, Window: time.Hour}
	if d, err := c.RateLimiter().Allow(ctx, l, "u1"); err != nil || !d.Allowed {
		t.Fatalf("first = %+v, %v", d, err)
	}
	stop()
	began := time.Now()
	if _, err := c.RateLimiter().Allow(ctx, l, "u1"); err == nil {
		t.Fatal("Allow succeeded with Redis down")
	}
	if d := time.Since(began); d > DefaultTimeout+faultSlack {
		t.Errorf("Allow took %v with Redis down, want about %v", d, DefaultTimeout)
	}
	start() // an empty Redis: the budget starts over
	eventually(t, 10*time.Second, "Allow after restart", func() error {
		_, err := c.RateLimiter().Allow(ctx, l, "u2")
		return err
	})
}

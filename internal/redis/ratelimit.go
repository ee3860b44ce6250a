package redis

import (
	"context"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/open-chat/openchat/internal/chat"
)

// gcraLua is chat.GCRA in one atomic step, on Redis's clock (TIME), so
// instances with skewed clocks agree. KEYS[1] holds the key's theoretical
// arrival time in microseconds and expires when the bucket is full again.
// ARGV: interval and window in microseconds. Returns {allowed, remaining,
// retry after µs, reset µs}.
const gcraLua = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then
  tat = now
end
local nxt = tat + interval
local allow_at = nxt - window
if now < allow_at then
  return {0, 0, allow_at - now, tat - now}
end
redis.call('SET', KEYS[1], string.format('%d', nxt), 'PX', math.max(1, math.ceil((nxt - now) / 1000)))
return {1, math.floor((window - (nxt - now)) / interval), 0, nxt - now}
`

// RateLimiter is the chat.RateLimiter shared by every instance on one Redis.
type RateLimiter struct {
	rdb    *goredis.Client
	opts   Options
	script *goredis.Script
}

var _ chat.RateLimiter = (*RateLimiter)(nil)

func newRateLimiter(rdb *goredis.Client, opts Options) *RateLimiter {
	return &RateLimiter{rdb: rdb, opts: opts, script: goredis.NewScript(gcraLua)}
}

// Allow implements chat.RateLimiter. It is bounded by Options.Timeout like
// a cache call: a slow Redis must not hold up every post.
func (r *RateLimiter) Allow(ctx context.Context, l chat.Limit, key string) (chat.RateDecision, error) {
	ctx, cancel := withTimeout(ctx, r.opts.Timeout)
	defer cancel()
	res, err := r.script.Run(ctx, r.rdb, []string{r.opts.rateKey(l.Name, key)},
		l.Interval().Microseconds(), l.Window.Microseconds()).Int64Slice()
	if err != nil {
		return chat.RateDecision{}, fmt.Errorf("redis rate limit %s: %w", l.Name, err)
	}
	if len(res) != 4 {
		return chat.RateDecision{}, fmt.Errorf("redis rate limit %s: unexpected reply %v", l.Name, res)
	}
	return chat.RateDecision{Allowed: res[0] == 1, Remaining: int(res[1]),
		RetryAfter: time.Duration(res[2]) * time.Microsecond, Reset: time.Duration(res[3]) * time.Microsecond}, nil
}

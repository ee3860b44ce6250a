package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/open-chat/openchat/internal/chat"
)

// DefaultLockTTL is how long a lock outlives a holder that stops renewing
// it (an instance that died): renewed every third of it while held.
const DefaultLockTTL = 30 * time.Second

// Scripts of the lock: each acts only if the key still holds the caller's
// token, so a holder whose lock expired and was taken by another instance
// can neither renew nor delete the new holder's lock.
var (
	renewLockScript = goredis.NewScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`)
	releaseLockScript = goredis.NewScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1]) end
return 0`)
)

// Locker is a chat.Locker on Redis: SET NX PX with a random token,
// renewed while held, released by compare-and-delete.
type Locker struct {
	c   *Client
	ttl time.Duration
}

var _ chat.Locker = Locker{}

// Locker returns the client's chat.Locker, whose locks last ttl past their
// holder's last renewal (DefaultLockTTL when 0).
func (c *Client) Locker(ttl time.Duration) Locker {
	if ttl <= 0 {
		ttl = DefaultLockTTL
	}
	return Locker{c: c, ttl: ttl}
}

// TryLock implements chat.Locker.
func (l Locker) TryLock(ctx context.Context, name string) (func(context.Context) error, bool, error) {
	var b [16]byte
	_, _ = rand.Read(b[:])
	token, key := hex.EncodeToString(b[:]), l.c.opts.Prefix+"lock:"+name
	ok, err := l.c.rdb.SetNX(ctx, key, token, l.ttl).Result()
	if err != nil || !ok {
		if err != nil {
			err = fmt.Errorf("lock %s: %w", name, err)
		}
		return nil, false, err
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go l.renew(key, token, stop, done)
	var once sync.Once
	var releaseErr error
	return func(ctx context.Context) error {
		once.Do(func() {
			close(stop)
			<-done
			if err := releaseLockScript.Run(ctx, l.c.rdb, []string{key}, token).Err(); err != nil {
				releaseErr = fmt.Errorf("unlock %s: %w", name, err)
			}
		})
		return releaseErr
	}, true, nil
}

// renew extends the lock every third of its TTL until stop closes; a
// renewal that finds the lock gone (expired, taken) is logged: the job
// then may run twice, which its tasks tolerate (each is idempotent).
func (l Locker) renew(key, token string, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(l.ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), l.ttl/3)
		n, err := renewLockScript.Run(ctx, l.c.rdb, []string{key}, token, l.ttl.Milliseconds()).Int()
		cancel()
		if err != nil || n == 0 {
			l.c.log.Warn("lock renewal failed", "key", key, "lost", n == 0 && err == nil, "err", err)
		}
	}
}

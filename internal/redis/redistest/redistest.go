// Package redistest gives tests a Redis: the shared one named by
// OPENCHAT_TEST_REDIS_URL, isolated by a key prefix per test, or a private
// redis-server process that a fault test may stop, pause and restart.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/open-chat/openchat/internal/testenv"
)

// EnvURL names the shared test Redis.
const EnvURL = "OPENCHAT_TEST_REDIS_URL"

// ServerBinary is the redis-server that StartServer runs.
const ServerBinary = "/usr/bin/redis-server"

// startWait bounds how long StartServer waits for the server to answer.
const startWait = 10 * time.Second

// URL returns the shared test Redis and a key prefix unique to t. It skips t
// when EnvURL is unset, except in CI (CI=true) where it fails. The keys
// under the prefix are deleted when t ends.
func URL(t testing.TB) (url, prefix string) {
	t.Helper()
	url = os.Getenv(EnvURL)
	if url == "" {
		testenv.Missing(t, "", "%s is not set", EnvURL)
	}
	prefix = fmt.Sprintf("test:%s:%s:", sanitize(t.Name()), randomHex(4))
	t.Cleanup(func() { deletePrefix(t, url, prefix) })
	return url, prefix
}

// sanitize keeps test names readable in keys without glob characters.
func sanitize(name string) string {
	s := strings.Map(func(r rune) rune {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-') {
			return r
		}
		return '_'
	}, name)
	if len(s) > 60 {
		s = s[len(s)-60:]
	}
	return s
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func deletePrefix(t testing.TB, url, prefix string) {
	opts, err := goredis.ParseURL(url)
	if err != nil {
		t.Errorf("redistest: %v", err)
		return
	}
	c := goredis.NewClient(opts)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Errorf("redistest: scan %s: %v", prefix, err)
		return
	}
	for len(keys) > 0 {
		n := min(len(keys), 500)
		if err := c.Del(ctx, keys[:n]...).Err(); err != nil {
			t.Errorf("redistest: delete %s: %v", prefix, err)
			return
		}
		keys = keys[n:]
	}
}

// StartServer runs a private redis-server on a free loopback port for a
// fault test, without persistence. stop kills it (its data is gone); start
// runs it again on the same port. It is stopped when t ends. The test is
// skipped (failed in CI) when ServerBinary is missing.
func StartServer(t testing.TB) (url string, stop func(), start func()) {
	t.Helper()
	if _, err := os.Stat(ServerBinary); err != nil {
		testenv.Missing(t, "", "redistest: %v", err)
	}
	port := freePort(t)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	var mu sync.Mutex
	var cmd *exec.Cmd
	var waited chan struct{}
	stop = func() {
		mu.Lock()
		defer mu.Unlock()
		if cmd == nil {
			return
		}
		_ = cmd.Process.Kill()
		<-waited
		cmd = nil
	}
	start = func() {
		t.Helper()
		mu.Lock()
		defer mu.Unlock()
		if cmd != nil {
			return
		}
		cmd = exec.Command(ServerBinary, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--protected-mode", "no", "--loglevel", "warning")
		if err := cmd.Start(); err != nil {
			t.Fatalf("redistest: start %s: %v", ServerBinary, err)
		}
		w := make(chan struct{})
		go func(c *exec.Cmd) { _ = c.Wait(); close(w) }(cmd)
		waited = w
		if err := waitReady(addr, w); err != nil {
			_ = cmd.Process.Kill()
			<-w
			cmd = nil
			t.Fatalf("redistest: %v", err)
		}
	}
	start()
	t.Cleanup(stop)
	return "redis://" + addr + "/0", stop, start
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitReady(addr string, exited <-chan struct{}) error {
	c := goredis.NewClient(&goredis.Options{Addr: addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer c.Close()
	deadline := time.Now().Add(startWait)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("redis-server on %s exited: %w", addr, err)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server on %s not ready after %v: %w", addr, startWait, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

package redis

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/redis/redistest"
)

type redisOps struct {
	chat.NopMetrics
	mu   sync.Mutex
	ops  map[string]int
	errs map[string]int
}

func (m *redisOps) RedisOp(cmd string, _ time.Duration, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ops[cmd]++
	if err != nil {
		m.errs[cmd]++
	}
}

// TestObserve: every command is timed under its name, a missing key is no
// error, a failed command is one; with a tracer provider each command has
// a span without its arguments.
func TestObserve(t *testing.T) {
	url, prefix := redistest.URL(t)
	m := &redisOps{ops: map[string]int{}, errs: map[string]int{}}
	rec := tracetest.NewSpanRecorder()
	c := open(t, url, Options{Prefix: prefix, Metrics: m, TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))})
	ctx := context.Background()
	key := prefix + "observe"
	if err := c.rdb.Get(ctx, key).Err(); !errors.Is(err, goredis.Nil) {
		t.Fatalf("GET of a missing key: %v", err)
	}
	if err := c.rdb.Set(ctx, key, "v", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.rdb.LPush(ctx, key, "x").Err(); err == nil {
		t.Fatal("LPUSH on a string succeeded")
	}
	pipe := c.rdb.Pipeline()
	pipe.Get(ctx, key)
	pipe.Del(ctx, key)
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for cmd, want := range map[string][2]int{"get": {1, 0}, "set": {1, 0}, "lpush": {1, 1}, "pipeline": {1, 0}} {
		if m.ops[cmd] != want[0] || m.errs[cmd] != want[1] {
			t.Errorf("%s: %d ops, %d errors; want %v", cmd, m.ops[cmd], m.errs[cmd], want)
		}
	}
	spans := map[string]int{}
	for _, s := range rec.Ended() {
		spans[s.Name()]++
		for _, a := range s.Attributes() {
			if a.Key == "db.statement" || a.Key == "db.query.text" {
				t.Errorf("span %s carries the command text %q", s.Name(), a.Value.String())
			}
		}
	}
	for _, name := range []string{"get", "set", "lpush"} {
		if spans[name] < 1 {
			t.Errorf("no span %q among %v", name, spans)
		}
	}
}

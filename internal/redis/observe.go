package redis

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/extra/redisotel/v9"
	goredis "github.com/redis/go-redis/v9"

	"github.com/open-chat/openchat/internal/chat"
)

// observe adds the metrics hook and, with a tracer provider, redisotel's
// spans (without the command's arguments: they hold message bodies and
// session keys).
func observe(rdb *goredis.Client, opts Options) error {
	if opts.Metrics != nil {
		rdb.AddHook(metricsHook{opts.Metrics})
	}
	if opts.TracerProvider == nil {
		return nil
	}
	if err := redisotel.InstrumentTracing(rdb, redisotel.WithTracerProvider(opts.TracerProvider),
		redisotel.WithDBStatement(false), redisotel.WithCallerEnabled(false)); err != nil {
		return fmt.Errorf("redis: tracing: %w", err)
	}
	return nil
}

// metricsHook times every command and pipeline (chat.Metrics.RedisOp).
type metricsHook struct{ m chat.Metrics }

func (metricsHook) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (h metricsHook) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		start := time.Now()
		err := next(ctx, cmd)
		h.m.RedisOp(cmd.Name(), time.Since(start), failure(err))
		return err
	}
}

func (h metricsHook) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		if connSetup(cmds) {
			return next(ctx, cmds)
		}
		start := time.Now()
		err := next(ctx, cmds)
		h.m.RedisOp("pipeline", time.Since(start), failure(err))
		return err
	}
}

// connSetup reports whether cmds is the pipeline go-redis sends on each new
// connection (SELECT of a database other than 0, AUTH, CLIENT …): counting
// it would make the pipeline metric follow the pool's dials, not our calls.
func connSetup(cmds []goredis.Cmder) bool {
	for _, c := range cmds {
		switch c.Name() {
		case "select", "auth", "client", "hello", "readonly":
		default:
			return false
		}
	}
	return len(cmds) > 0
}

// failure is err unless it is an answer rather than a failure: a missing
// key (Nil), or a script not yet loaded (NOSCRIPT, which go-redis answers
// by sending the script).
func failure(err error) error {
	if err == nil || errors.Is(err, goredis.Nil) || goredis.HasErrorPrefix(err, "NOSCRIPT") {
		return nil
	}
	return err
}

// Package instrument wraps chat interfaces with metrics and tracing, so
// the adapters stay free of both: a Store decorator times every call
// (chat.Metrics.StoreOp) and, when tracing is on, gives it a span.
package instrument

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/open-chat/openchat/internal/chat"
)

// Store is a chat.Store that measures every call of the store it wraps.
type Store struct {
	st     chat.Store
	m      chat.Metrics
	tracer trace.Tracer // nil: tracing is off and costs nothing
	system attribute.KeyValue
}

var _ chat.Store = (*Store)(nil)

// NewStore wraps st. system names the database in spans ("sqlite",
// "postgresql"); tracer nil turns spans off.
func NewStore(st chat.Store, system string, m chat.Metrics, tracer trace.Tracer) *Store {
	if m == nil {
		m = chat.NopMetrics{}
	}
	return &Store{st: st, m: m, tracer: tracer, system: attribute.String("db.system.name", system)}
}

// Unwrap returns the wrapped store (for its own optional methods).
func (s *Store) Unwrap() chat.Store { return s.st }

// call runs f as operation op: timed, counted and, with a tracer and
// inside a trace, in a span of its own that the store's context carries.
func call[T any](s *Store, ctx context.Context, op string, f func(context.Context) (T, error)) (T, error) {
	start := time.Now()
	// Only calls inside a trace get spans: a probe's ping or a background
	// job's poll would otherwise each start a trace of one span.
	if s.tracer == nil || !trace.SpanContextFromContext(ctx).IsValid() {
		v, err := f(ctx)
		s.m.StoreOp(op, time.Since(start), err)
		return v, err
	}
	ctx, span := s.tracer.Start(ctx, "store."+op, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(s.system, attribute.String("db.operation.name", op)))
	v, err := f(ctx)
	s.m.StoreOp(op, time.Since(start), err)
	if code := chat.ErrorCode(err); code == chat.EINTERNAL || code == chat.EUNAVAILABLE {
		span.RecordError(err)
		span.SetStatus(codes.Error, code)
	} else if code != "" {
		span.SetAttributes(attribute.String("openchat.error_code", code))
	}
	span.End()
	return v, err
}

// call0 is call for methods that return only an error.
func call0(s *Store, ctx context.Context, op string, f func(context.Context) error) error {
	_, err := call(s, ctx, op, func(ctx context.Context) (struct{}, error) { return struct{}{}, f(ctx) })
	return err
}

// pair carries a method's two results through call.
type pair[A, B any] struct {
	a A
	b B
}

func (s *Store) Ping(ctx context.Context) error {
	return call0(s, ctx, "Ping", s.st.Ping)
}

func (s *Store) Close() error { return s.st.Close() }

package instrument

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/chat/chattest"
	"github.com/open-chat/openchat/internal/sqlite"
)

func openSQLite(t *testing.T) chat.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "chat.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// The decorator passes every call through unchanged: the store suite
// passes through it, with tracing on and off.
func TestStoreConformance(t *testing.T) {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(tracetest.NewSpanRecorder()))
	for name, tracer := range map[string]*sdktrace.TracerProvider{"untraced": nil, "traced": tp} {
		t.Run(name, func(t *testing.T) {
			chattest.TestStore(t, func(t *testing.T) chat.Store {
				if tracer == nil {
					return NewStore(openSQLite(t), "sqlite", nil, nil)
				}
				return NewStore(openSQLite(t), "sqlite", nil, tracer.Tracer("test"))
			})
		})
	}
}

type storeOps struct {
	chat.NopMetrics
	mu    sync.Mutex
	ops   []string
	codes []string
}

func (m *storeOps) StoreOp(op string, _ time.Duration, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ops = append(m.ops, op)
	m.codes = append(m.codes, chat.ErrorCode(err))
}

// Each call is counted under its method's name with its result, and with a
// tracer it is a child span of the caller's (calls outside a trace get
// none); domain errors do not mark the span failed.
func TestStoreObserves(t *testing.T) {
	m := &storeOps{}
	rec := tracetest.NewSpanRecorder()
	tracer := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)).Tracer("test")
	s := NewStore(openSQLite(t), "sqlite", m, tracer)
	ctx, parent := tracer.Start(context.Background(), "request")
	if _, err := s.Rooms(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RoomByID(ctx, chat.NewID()); chat.ErrorCode(err) != chat.ENOTFOUND {
		t.Fatalf("RoomByID(unknown) = %v", err)
	}
	parent.End()
	if _, err := s.Rooms(context.Background()); err != nil { // outside a trace: timed, not traced
		t.Fatal(err)
	}
	if len(m.ops) != 3 {
		t.Fatalf("observed %v, want three calls", m.ops)
	}
	m.ops, m.codes = m.ops[:2], m.codes[:2] // the traced ones, checked below with their spans
	if want := []string{"Rooms", "RoomByID"}; len(m.ops) != 2 || m.ops[0] != want[0] || m.ops[1] != want[1] ||
		m.codes[0] != "" || m.codes[1] != chat.ENOTFOUND {
		t.Fatalf("observed %v %v, want %v with codes [\"\" not_found]", m.ops, m.codes, want)
	}
	spans := rec.Ended()
	if len(spans) != 3 {
		t.Fatalf("%d spans, want 3", len(spans))
	}
	for i, name := range []string{"store.Rooms", "store.RoomByID"} {
		sp := spans[i]
		if sp.Name() != name || sp.Parent().SpanID() != parent.SpanContext().SpanID() || sp.Status().Code != 0 {
			t.Errorf("span %d: %s, parent %v, status %v; want %s under the request, unset status", i, sp.Name(), sp.Parent().SpanID(), sp.Status(), name)
		}
	}
}

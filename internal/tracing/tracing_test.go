package tracing

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

func TestEndpoint(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"unset: off", nil, ""},
		{"base endpoint", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4318/"}, "http://otel:4318/v1/traces"},
		{"traces endpoint wins", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4318",
			"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://traces.example/custom"}, "https://traces.example/custom"},
		{"SDK disabled", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4318", "OTEL_SDK_DISABLED": "true"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Endpoint(func(k string) string { return tt.env[k] }); got != tt.want {
				t.Fatalf("Endpoint = %q, want %q", got, tt.want)
			}
			tp, err := New(context.Background(), func(k string) string { return tt.env[k] }, Config{})
			if err != nil || (tp == nil) != (tt.want == "") {
				t.Fatalf("New = %v, %v; want a provider only when tracing is on", tp, err)
			}
			if tp != nil {
				_ = tp.Shutdown(context.Background())
			}
		})
	}
}

// Handler starts a server span that continues the caller's trace and is
// the parent of what the handler starts; probes get none.
func TestHandler(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	h := Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, child := tp.Tracer("test").Start(r.Context(), "store "+r.URL.Path)
		child.End()
	}), tp)
	for _, path := range []string{"/api/v1/rooms", "/healthz", "/readyz"} {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	var servers []sdktrace.ReadOnlySpan
	var child sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		switch {
		case s.SpanKind() == trace.SpanKindServer:
			servers = append(servers, s)
		case s.Name() == "store /api/v1/rooms":
			child = s
		}
	}
	if len(servers) != 1 || child == nil {
		t.Fatalf("%d server spans (want 1: probes untraced), store span %v", len(servers), child)
	}
	server := servers[0]
	if server.Name() != "GET" || server.SpanContext().TraceID().String() != "4bf92f3577b34da6a3ce929d0e0e4736" || !server.Parent().IsRemote() {
		t.Errorf("server span %s in trace %s, remote parent %v", server.Name(), server.SpanContext().TraceID(), server.Parent().IsRemote())
	}
	if child.Parent().SpanID() != server.SpanContext().SpanID() {
		t.Errorf("store span's parent %v, want the server span %v", child.Parent().SpanID(), server.SpanContext().SpanID())
	}
}

package main

import (
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// collector is a fake OTLP/HTTP trace receiver that keeps every span.
type collector struct {
	mu    sync.Mutex
	spans []*tracepb.Span
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	var req coltrace.ExportTraceServiceRequest
	if err != nil || r.URL.Path != "/v1/traces" || proto.Unmarshal(b, &req) != nil {
		http.Error(w, "bad export", http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			c.spans = append(c.spans, ss.Spans...)
		}
	}
	c.mu.Unlock()
	out, _ := proto.Marshal(&coltrace.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

// TestTracing: with OTEL_EXPORTER_OTLP_ENDPOINT set, a request continues
// the caller's trace in a server span named after its route, with a child
// span per store call; the spans reach the collector by shutdown at the
// latest. Probes are not traced.
func TestTracing(t *testing.T) {
	col := &collector{}
	ts := httptest.NewServer(col)
	defer ts.Close()
	srv := startServerEnv(t, "http", freeAddr(t), map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": ts.URL})
	ada := signUp(t, srv.URL, "ada")

	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/rooms", strings.NewReader(`{"name":"traced"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+ada.token)
	req.Header.Set("traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("create room: %v %v", err, resp)
	}
	resp.Body.Close()
	srv.stop() // flushes the batch

	col.mu.Lock()
	defer col.mu.Unlock()
	var server *tracepb.Span
	for _, s := range col.spans {
		if s.Name == "POST /api/v1/rooms" && hex.EncodeToString(s.TraceId) == traceID {
			server = s
		}
		if s.Name == "GET /healthz" || s.Name == "GET /readyz" {
			t.Errorf("probe traced: %s", s.Name)
		}
	}
	if server == nil || server.Kind != tracepb.Span_SPAN_KIND_SERVER {
		t.Fatalf("no server span POST /api/v1/rooms in trace %s among %d spans: %v", traceID, len(col.spans), spanNames(col.spans))
	}
	children := map[string]bool{}
	for _, s := range col.spans {
		if string(s.ParentSpanId) == string(server.SpanId) {
			children[s.Name] = true
		}
	}
	if !children["store.CreateRoom"] {
		t.Errorf("server span's children %v lack store.CreateRoom", children)
	}
}

func spanNames(spans []*tracepb.Span) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name)
	}
	return out
}

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

	"github.com/open-chat/openchat/internal/postgres/pgtest"
	"github.com/open-chat/openchat/internal/redis/redistest"
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
// span per store call and, with Redis, per Redis command; the spans reach
// the collector by shutdown at the latest. Probes are not traced.
func TestTracing(t *testing.T) {
	tests := []struct {
		name  string
		args  func(t *testing.T) []string
		redis bool
	}{
		{"sqlite", func(t *testing.T) []string { return nil }, false},
		{"postgres and redis", func(t *testing.T) []string {
			redisURL, prefix := redistest.URL(t)
			return []string{"--database-url", pgtest.NewDatabase(t), "--redis-url", redisURL, "--redis-prefix", prefix}
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			col := &collector{}
			ts := httptest.NewServer(col)
			defer ts.Close()
			srv := startServerEnv(t, "http", freeAddr(t), map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": ts.URL}, tt.args(t)...)
			ada := signUp(t, srv.URL, "ada")
			var room roomResp
			ada.must(201, "POST", "/api/v1/rooms", map[string]string{"name": "traced"}, &room)

			const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
			req, _ := http.NewRequest("POST", srv.URL+"/api/v1/rooms/"+room.Room.ID+"/messages", strings.NewReader(`{"body":"traced"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+ada.token)
			req.Header.Set("traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != 201 {
				t.Fatalf("post: %v %v", err, resp)
			}
			resp.Body.Close()
			srv.stop() // flushes the batch

			col.mu.Lock()
			defer col.mu.Unlock()
			var server *tracepb.Span
			for _, s := range col.spans {
				if s.Name == "POST /api/v1/rooms/{room_id}/messages" && hex.EncodeToString(s.TraceId) == traceID {
					server = s
				}
				if s.Name == "GET /healthz" || s.Name == "GET /readyz" {
					t.Errorf("probe traced: %s", s.Name)
				}
			}
			if server == nil || server.Kind != tracepb.Span_SPAN_KIND_SERVER {
				t.Fatalf("no server span for the post in trace %s among %d spans: %v", traceID, len(col.spans), spanNames(col.spans))
			}
			var store, redis bool
			for _, s := range col.spans {
				if string(s.ParentSpanId) != string(server.SpanId) {
					continue
				}
				store = store || s.Name == "store.AppendMessage"
				for _, a := range s.Attributes {
					redis = redis || a.Key == "db.system" && a.Value.GetStringValue() == "redis"
				}
			}
			if !store || redis != tt.redis {
				t.Errorf("server span's children %v: store.AppendMessage %v, a Redis command %v (want %v)",
					spanNames(col.spans), store, redis, tt.redis)
			}
		})
	}
}

func spanNames(spans []*tracepb.Span) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name)
	}
	return out
}

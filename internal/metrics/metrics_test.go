package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

var _ chat.Metrics = (*Prometheus)(nil)

func TestExposition(t *testing.T) {
	p := New("node-1")
	p.Cache(chat.CacheMessages, chat.CacheHit)
	p.Cache(chat.CacheMessages, chat.CacheHit)
	p.MessagePosted()
	p.MessagesDelivered(7)
	p.WSConnections(3)
	p.WSConnections(-1)
	p.HTTPRequest("GET /api/v1/rooms", 200, 3*time.Millisecond)
	p.MailSent("sent")
	p.RateLimited(chat.LimitPosts, chat.RateLimitOutcomeRefused)
	p.RateLimited(chat.LimitPosts, chat.RateLimitOutcomeRefused)
	rec := httptest.NewRecorder()
	p.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`openchat_cache_requests_total{outcome="hit",use_case="messages"} 2`,
		`openchat_messages_posted_total 1`,
		`openchat_messages_delivered_total 7`,
		`openchat_websocket_connections 2`,
		`openchat_http_requests_total{code="200",route="GET /api/v1/rooms"} 1`,
		`openchat_mail_batches_total{outcome="sent"} 1`,
		`openchat_rate_limited_total{limit="posts",outcome="refused"} 2`,
		`openchat_instance_info{instance_id="node-1"} 1`,
		`process_resident_memory_bytes`,
		`go_goroutines`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics output lacks %q", want)
		}
	}
}

package metrics

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

func scrape(t *testing.T, p *Prometheus) string {
	t.Helper()
	rec := httptest.NewRecorder()
	p.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("scrape: %d %s", rec.Code, rec.Body)
	}
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

func wantLines(t *testing.T, body string, lines ...string) {
	t.Helper()
	for _, want := range lines {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("metrics lack %q", want)
		}
	}
}

// TestOpMetrics: each observation appears under its name and labels and
// moves its series.
func TestOpMetrics(t *testing.T) {
	p := New("i1")
	p.DeliveryLatency(3 * time.Millisecond)
	p.DeliveryLatency(40 * time.Millisecond)
	p.WSClosed(1000, chat.CloseByClient)
	p.WSClosed(1006, chat.CloseByNone)
	p.WSClosed(1006, chat.CloseByNone)
	p.StoreOp("AppendMessage", 2*time.Millisecond, nil)
	p.StoreOp("RoomByID", time.Millisecond, chat.Errorf(chat.ENOTFOUND, "no"))
	p.StoreOp("RoomByID", time.Millisecond, errors.New("disk on fire"))
	p.StoreOp("Messages", time.Millisecond, fmt.Errorf("read: %w", context.Canceled))
	p.RedisOp("evalsha", 300*time.Microsecond, nil)
	p.RedisOp("get", time.Millisecond, errors.New("i/o timeout"))
	p.GroupCommit([]time.Duration{0}, 400*time.Microsecond)
	p.GroupCommit([]time.Duration{20 * time.Millisecond, 8 * time.Millisecond}, 3*time.Millisecond)
	p.HubFill(chat.HubFillBehind)
	wantLines(t, scrape(t, p),
		`openchat_delivery_latency_seconds_bucket{le="0.005"} 1`,
		`openchat_delivery_latency_seconds_bucket{le="0.05"} 2`,
		`openchat_delivery_latency_seconds_count 2`,
		`openchat_websocket_closes_total{by="client",code="1000"} 1`,
		`openchat_websocket_closes_total{by="none",code="1006"} 2`,
		`openchat_store_operation_duration_seconds_count{op="AppendMessage"} 1`,
		`openchat_store_operation_duration_seconds_count{op="RoomByID"} 2`,
		`openchat_store_errors_total{code="not_found",op="RoomByID"} 1`,
		`openchat_store_errors_total{code="internal",op="RoomByID"} 1`,
		`openchat_store_errors_total{code="canceled",op="Messages"} 1`,
		`openchat_redis_command_duration_seconds_count{cmd="evalsha"} 1`,
		`openchat_redis_errors_total{cmd="get"} 1`,
		`openchat_group_commit_size_bucket{le="1"} 1`,
		`openchat_group_commit_size_bucket{le="2"} 2`,
		`openchat_group_commit_size_sum 3`,
		`openchat_group_commit_wait_seconds_bucket{le="0.0001"} 1`,
		`openchat_group_commit_wait_seconds_bucket{le="0.01"} 2`,
		`openchat_group_commit_wait_seconds_bucket{le="0.025"} 3`,
		`openchat_group_commit_duration_seconds_bucket{le="0.0005"} 1`,
		`openchat_group_commit_duration_seconds_bucket{le="0.0025"} 1`,
		`openchat_group_commit_duration_seconds_bucket{le="0.005"} 2`,
		`openchat_hub_fills_total{reason="behind"} 1`,
	)
}

// TestPoolAndOutboxCollectors: the collectors read their sources at each
// scrape; a failed outbox query leaves the backlog out and is counted.
func TestPoolAndOutboxCollectors(t *testing.T) {
	p := New("i1")
	inUse := 1
	p.WatchPools(func() []chat.PoolStats {
		return []chat.PoolStats{{Pool: "writer", Max: 1, Open: 1, InUse: inUse, Waits: 7, WaitTime: 1500 * time.Millisecond, Opened: 9, ClosedIdle: 3, ClosedOld: 2},
			{Pool: "reader", Max: 4, Open: 2, Idle: 2}}
	})
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	var fail error
	p.WatchOutbox(func(context.Context) (chat.OutboxStats, error) {
		return chat.OutboxStats{Notifications: 5, Batches: 2, Oldest: now.Add(-90 * time.Second)}, fail
	}, func() time.Time { return now })
	wantLines(t, scrape(t, p),
		`openchat_db_pool_max_connections{pool="reader"} 4`,
		`openchat_db_pool_open_connections{pool="reader"} 2`,
		`openchat_db_pool_idle_connections{pool="reader"} 2`,
		`openchat_db_pool_in_use_connections{pool="writer"} 1`,
		`openchat_db_pool_waits_total{pool="writer"} 7`,
		`openchat_db_pool_wait_seconds_total{pool="writer"} 1.5`,
		`openchat_db_pool_opened_connections_total{pool="writer"} 9`,
		`openchat_db_pool_opened_connections_total{pool="reader"} 0`,
		`openchat_db_pool_closed_connections_total{pool="writer",reason="idle"} 3`,
		`openchat_db_pool_closed_connections_total{pool="writer",reason="lifetime"} 2`,
		`openchat_db_pool_closed_connections_total{pool="reader",reason="idle"} 0`,
		`openchat_outbox_pending{kind="notifications"} 5`,
		`openchat_outbox_pending{kind="batches"} 2`,
		`openchat_outbox_oldest_age_seconds 90`,
		`openchat_outbox_stats_errors_total 0`,
	)
	inUse, fail = 0, errors.New("db down")
	body := scrape(t, p)
	wantLines(t, body, `openchat_db_pool_in_use_connections{pool="writer"} 0`)
	if strings.Contains(body, "openchat_outbox_pending{") {
		t.Error("a failed outbox query still reported a backlog")
	}
	fail = nil // the next scrape increments nothing, so it shows the count exactly
	wantLines(t, scrape(t, p), `openchat_outbox_stats_errors_total 1`, `openchat_outbox_pending{kind="batches"} 2`)
}

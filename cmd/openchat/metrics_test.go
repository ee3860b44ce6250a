package main

import (
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/postgres/pgtest"
	"github.com/open-chat/openchat/internal/redis/redistest"
)

// TestServerMetrics: after a little traffic (a post mentioning someone, a
// WebSocket that receives it and closes) every operations metric of the
// server has moved: delivery latency, store calls, group commits, pools,
// outbox, WebSocket closes and, with Redis, Redis commands. A PostgreSQL
// pool holds every connection it may (serve warms it).
func TestServerMetrics(t *testing.T) {
	tests := []struct {
		name  string
		args  func(t *testing.T) []string
		wants []string // series that must be positive
		full  string   // a pool whose open connections must be its maximum
	}{
		{"sqlite", func(t *testing.T) []string { return nil }, []string{
			`openchat_db_pool_max_connections{pool="writer"}`, `openchat_db_pool_open_connections{pool="reader"}`,
		}, ""},
		{"postgres and redis", func(t *testing.T) []string {
			redisURL, prefix := redistest.URL(t)
			return []string{"--database-url", pgtest.NewDatabase(t), "--redis-url", redisURL, "--redis-prefix", prefix}
		}, []string{
			`openchat_db_pool_max_connections{pool="main"}`,
			`openchat_redis_command_duration_seconds_count{cmd="publish"}`,
		}, "main"},
	}
	const closed = `openchat_websocket_closes_total{by="client",code="1000"}`
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			metricsAddr := freeAddr(t)
			srv := startServer(t, append(tt.args(t), "--metrics-addr", metricsAddr)...)
			ada, bob := signUp(t, srv.URL, "ada"), signUp(t, srv.URL, "bob")
			var room roomResp
			ada.must(201, "POST", "/api/v1/rooms", map[string]string{"name": "metrics"}, &room)
			ws := dialWS(t, srv.URL, ada.token)
			ws.subscribe(room.Room.ID, nil)
			var me struct{ User struct{ Username string } }
			bob.must(200, "GET", "/api/v1/me", nil, &me)
			path := "/api/v1/rooms/" + room.Room.ID + "/messages"
			bob.must(201, "POST", path, map[string]string{"body": "hello"}, nil) // joins: members are notified of mentions
			ada.must(201, "POST", path, map[string]string{"body": "hi @" + me.User.Username}, nil)
			ws.messages(1, 2)
			ws.close()
			ada.must(404, "GET", "/api/v1/rooms/"+chat.NewID(), nil, nil)

			body := scrapeMetrics(t, "http://"+metricsAddr+"/metrics")
			for range 100 { // the server counts a close once the socket is done
				if _, ok := seriesValue(body, closed); ok {
					break
				}
				time.Sleep(20 * time.Millisecond)
				body = scrapeMetrics(t, "http://"+metricsAddr+"/metrics")
			}
			for _, series := range append([]string{
				`openchat_delivery_latency_seconds_count`,
				`openchat_store_operation_duration_seconds_count{op="AppendMessage"}`,
				`openchat_store_errors_total{code="not_found",op="RoomByID"}`,
				`openchat_group_commit_size_count`,
				`openchat_group_commit_wait_seconds_count`,
				`openchat_group_commit_duration_seconds_count`,
				closed,
				`openchat_outbox_pending{kind="notifications"}`,
				`openchat_outbox_oldest_age_seconds`,
			}, tt.wants...) {
				if v, ok := seriesValue(body, series); !ok || v <= 0 {
					t.Errorf("%s = %v (present: %v), want > 0", series, v, ok)
				}
			}
			if tt.full != "" {
				open, _ := seriesValue(body, `openchat_db_pool_open_connections{pool="`+tt.full+`"}`)
				limit, _ := seriesValue(body, `openchat_db_pool_max_connections{pool="`+tt.full+`"}`)
				if open != limit || limit == 0 {
					t.Errorf("pool %s: %v connections open of %v; want all (warmed)", tt.full, open, limit)
				}
			}
		})
	}
}

func scrapeMetrics(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	return readAll(t, resp)
}

// seriesValue finds one series (name and labels exactly as exposed) in a
// Prometheus text exposition.
func seriesValue(body, series string) (float64, bool) {
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(body)
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(m[1], 64)
	return v, err == nil
}

package metrics

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/open-chat/openchat/internal/chat"
)

// opMetrics are the latency and error metrics of the layers below the
// service: delivery, WebSocket closes, store, Redis, group commit.
type opMetrics struct {
	delivery  prometheus.Histogram
	wsCloses  *prometheus.CounterVec
	storeDur  *prometheus.HistogramVec
	storeErrs *prometheus.CounterVec
	redisDur  *prometheus.HistogramVec
	redisErrs *prometheus.CounterVec
	groups    prometheus.Histogram
	groupWait prometheus.Histogram
	groupTook prometheus.Histogram
	hubFills  *prometheus.CounterVec
}

// latencyBuckets span a cached read (sub-millisecond) to a stalled
// dependency (seconds).
var latencyBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

func newOpMetrics() opMetrics {
	return opMetrics{
		delivery: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "openchat_delivery_latency_seconds",
			Help: "Time from a message's commit (its created_at, millisecond precision) to the WebSocket write that carried it; " +
				"one observation per socket write, for the oldest message in it.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}}),
		wsCloses: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "openchat_websocket_closes_total",
			Help: "Ended WebSocket connections by close code and by who closed first (server, client, none: dropped without a close frame, code 1006)."},
			[]string{"code", "by"}),
		storeDur: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "openchat_store_operation_duration_seconds",
			Help: "Database (chat.Store) call latency by operation.", Buckets: latencyBuckets}, []string{"op"}),
		storeErrs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "openchat_store_errors_total",
			Help: "Database calls that returned an error, by operation and code (internal, unavailable: failures; canceled: the caller gave up; " +
				"not_found, conflict, …: answers)."}, []string{"op", "code"}),
		redisDur: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "openchat_redis_command_duration_seconds",
			Help: "Redis command latency by command (pipeline for a pipeline).", Buckets: latencyBuckets}, []string{"cmd"}),
		redisErrs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "openchat_redis_errors_total",
			Help: "Redis commands that failed, by command (a cache miss is no error)."}, []string{"cmd"}),
		groups: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "openchat_group_commit_size",
			Help: "Messages per group-commit transaction.", Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256}}),
		groupWait: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "openchat_group_commit_wait_seconds",
			Help: "How long each message queued behind the group-commit transaction before its own " +
				"(an append takes this wait, then its group's transaction).", Buckets: latencyBuckets}),
		groupTook: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "openchat_group_commit_duration_seconds",
			Help:    "Group-commit transactions as the server times them, from the first statement to the commit's answer.",
			Buckets: latencyBuckets}),
		hubFills: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "openchat_hub_fills_total",
			Help: "Rooms the WebSocket hub read from the store to catch up, by reason (gap: a change arrived before earlier ones; " +
				"resync: the broker connection came back; behind: the position check found a change that never arrived)."}, []string{"reason"}),
	}
}

func (o opMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{o.delivery, o.wsCloses, o.storeDur, o.storeErrs, o.redisDur, o.redisErrs, o.groups, o.groupWait, o.groupTook, o.hubFills}
}

func (p *Prometheus) DeliveryLatency(d time.Duration) { p.ops.delivery.Observe(d.Seconds()) }
func (p *Prometheus) HubFill(reason string)           { p.ops.hubFills.WithLabelValues(reason).Inc() }

func (p *Prometheus) GroupCommit(waits []time.Duration, took time.Duration) {
	p.ops.groups.Observe(float64(len(waits)))
	for _, w := range waits {
		p.ops.groupWait.Observe(w.Seconds())
	}
	p.ops.groupTook.Observe(took.Seconds())
}

func (p *Prometheus) WSClosed(code int, by string) {
	p.ops.wsCloses.WithLabelValues(strconv.Itoa(code), by).Inc()
}

func (p *Prometheus) StoreOp(op string, d time.Duration, err error) {
	p.ops.storeDur.WithLabelValues(op).Observe(d.Seconds())
	if err != nil {
		p.ops.storeErrs.WithLabelValues(op, errorCode(err)).Inc()
	}
}

func (p *Prometheus) RedisOp(cmd string, d time.Duration, err error) {
	p.ops.redisDur.WithLabelValues(cmd).Observe(d.Seconds())
	if err != nil {
		p.ops.redisErrs.WithLabelValues(cmd).Inc()
	}
}

// errorCode is chat.ErrorCode, except that a caller giving up is no
// failure of the database.
func errorCode(err error) string {
	if errors.Is(err, context.Canceled) {
		return "canceled"
	}
	return chat.ErrorCode(err)
}

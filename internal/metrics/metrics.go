// Package metrics implements chat.Metrics with Prometheus and serves them.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Prometheus holds OpenChat's metrics in its own registry (no globals).
type Prometheus struct {
	reg       *prometheus.Registry
	cache     *prometheus.CounterVec
	posted    prometheus.Counter
	delivered prometheus.Counter
	wsConns   prometheus.Gauge
	httpReqs  *prometheus.CounterVec
	httpDur   *prometheus.HistogramVec
	mail      *prometheus.CounterVec
	limited   *prometheus.CounterVec
	ops       opMetrics
	cleanup   cleanupMetrics
}

// New registers every metric plus the Go runtime and process collectors.
func New(instanceID string) *Prometheus {
	reg := prometheus.NewRegistry()
	f := func(c prometheus.Collector) { reg.MustRegister(c) }
	p := &Prometheus{
		reg: reg,
		cache: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "openchat_cache_requests_total",
			Help: "Cache lookups and writes by use case (rooms, messages) and outcome (hit, miss, fallback, error)."},
			[]string{"use_case", "outcome"}),
		posted: prometheus.NewCounter(prometheus.CounterOpts{Name: "openchat_messages_posted_total",
			Help: "Messages committed on this instance."}),
		delivered: prometheus.NewCounter(prometheus.CounterOpts{Name: "openchat_messages_delivered_total",
			Help: "Message frames handed to WebSocket connections on this instance."}),
		wsConns: prometheus.NewGauge(prometheus.GaugeOpts{Name: "openchat_websocket_connections",
			Help: "Open WebSocket connections on this instance."}),
		httpReqs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "openchat_http_requests_total",
			Help: "HTTP requests by route pattern and status code."}, []string{"route", "code"}),
		httpDur: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "openchat_http_request_duration_seconds",
			Help:    "HTTP request latency by route pattern.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}}, []string{"route"}),
		mail: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "openchat_mail_batches_total",
			Help: "Mention e-mail batches by outcome (sent, skipped, retry, failed, deferred)."}, []string{"outcome"}),
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "openchat_rate_limited_total",
			Help: "Rate-limit events by limit name and outcome (refused: a request over its limit; error: the limiter failed and the limit's failure policy decided)."},
			[]string{"limit", "outcome"}),
	}
	p.ops, p.cleanup = newOpMetrics(), newCleanupMetrics()
	for _, c := range append([]prometheus.Collector{p.cache, p.posted, p.delivered, p.wsConns, p.httpReqs, p.httpDur, p.mail, p.limited,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})}, p.ops.collectors()...) {
		f(c)
	}
	for _, c := range p.cleanup.collectors() {
		f(c)
	}
	f(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "openchat_instance_info", Help: "Always 1; labels name the instance.",
		ConstLabels: prometheus.Labels{"instance_id": instanceID}}, func() float64 { return 1 }))
	return p
}

// Gatherer returns the registry, for tests of what is registered (the
// dashboard's queries).
func (p *Prometheus) Gatherer() prometheus.Gatherer { return p.reg }

// Handler serves the registry in the Prometheus text format.
func (p *Prometheus) Handler() http.Handler {
	return promhttp.HandlerFor(p.reg, promhttp.HandlerOpts{Registry: p.reg})
}

func (p *Prometheus) Cache(useCase, outcome string) { p.cache.WithLabelValues(useCase, outcome).Inc() }
func (p *Prometheus) MessagePosted()                { p.posted.Inc() }
func (p *Prometheus) MessagesDelivered(n int)       { p.delivered.Add(float64(n)) }
func (p *Prometheus) WSConnections(delta int)       { p.wsConns.Add(float64(delta)) }
func (p *Prometheus) MailSent(outcome string)       { p.mail.WithLabelValues(outcome).Inc() }
func (p *Prometheus) RateLimited(limit, outcome string) {
	p.limited.WithLabelValues(limit, outcome).Inc()
}

func (p *Prometheus) HTTPRequest(route string, status int, d time.Duration) {
	p.httpReqs.WithLabelValues(route, strconv.Itoa(status)).Inc()
	p.httpDur.WithLabelValues(route).Observe(d.Seconds())
}

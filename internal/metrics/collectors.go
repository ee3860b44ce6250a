package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/open-chat/openchat/internal/chat"
)

// WatchPools reports the database connection pools that stats returns,
// read at each scrape.
func (p *Prometheus) WatchPools(stats func() []chat.PoolStats) {
	p.reg.MustRegister(&poolCollector{stats: stats})
}

var (
	poolMax    = prometheus.NewDesc("openchat_db_pool_max_connections", "The pool's cap on open database connections.", []string{"pool"}, nil)
	poolOpen   = prometheus.NewDesc("openchat_db_pool_open_connections", "Open database connections.", []string{"pool"}, nil)
	poolInUse  = prometheus.NewDesc("openchat_db_pool_in_use_connections", "Database connections in use.", []string{"pool"}, nil)
	poolIdle   = prometheus.NewDesc("openchat_db_pool_idle_connections", "Idle database connections.", []string{"pool"}, nil)
	poolWaits  = prometheus.NewDesc("openchat_db_pool_waits_total", "Connection acquisitions that had to wait for a free connection.", []string{"pool"}, nil)
	poolWaited = prometheus.NewDesc("openchat_db_pool_wait_seconds_total", "Time spent waiting for a free connection.", []string{"pool"}, nil)
	poolOpened = prometheus.NewDesc("openchat_db_pool_opened_connections_total",
		"Connections the pool opened: at start, to grow, and to replace one closed or broken.", []string{"pool"}, nil)
	poolClosed = prometheus.NewDesc("openchat_db_pool_closed_connections_total",
		"Connections the pool closed for sitting idle (reason=\"idle\") or for their age (reason=\"lifetime\"); broken ones are not counted here (they are opened - open - closed).", []string{"pool", "reason"}, nil)
)

type poolCollector struct{ stats func() []chat.PoolStats }

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolMax, poolOpen, poolInUse, poolIdle, poolWaits, poolWaited, poolOpened, poolClosed} {
		ch <- d
	}
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.stats() {
		g := func(d *prometheus.Desc, t prometheus.ValueType, v float64, labels ...string) {
			ch <- prometheus.MustNewConstMetric(d, t, v, append([]string{s.Pool}, labels...)...)
		}
		g(poolMax, prometheus.GaugeValue, float64(s.Max))
		g(poolOpen, prometheus.GaugeValue, float64(s.Open))
		g(poolInUse, prometheus.GaugeValue, float64(s.InUse))
		g(poolIdle, prometheus.GaugeValue, float64(s.Idle))
		g(poolWaits, prometheus.CounterValue, float64(s.Waits))
		g(poolWaited, prometheus.CounterValue, s.WaitTime.Seconds())
		g(poolOpened, prometheus.CounterValue, float64(s.Opened))
		g(poolClosed, prometheus.CounterValue, float64(s.ClosedIdle), "idle")
		g(poolClosed, prometheus.CounterValue, float64(s.ClosedOld), "lifetime")
	}
}

// outboxTimeout bounds the outbox query of one scrape.
const outboxTimeout = 2 * time.Second

// WatchOutbox reports the mail backlog that stats returns, queried at each
// scrape (every instance reports the same shared backlog: aggregate with
// max, not sum). A failed query leaves the backlog out of that scrape and
// counts openchat_outbox_stats_errors_total.
func (p *Prometheus) WatchOutbox(stats func(context.Context) (chat.OutboxStats, error), now func() time.Time) {
	errs := prometheus.NewCounter(prometheus.CounterOpts{Name: "openchat_outbox_stats_errors_total",
		Help: "Scrapes whose outbox query failed."})
	p.reg.MustRegister(errs, &outboxCollector{stats: stats, now: now, errs: errs})
}

var (
	outboxPending = prometheus.NewDesc("openchat_outbox_pending",
		"Mail backlog (shared by all instances): notifications not yet in a batch, and pending batches.", []string{"kind"}, nil)
	outboxOldest = prometheus.NewDesc("openchat_outbox_oldest_age_seconds",
		"Age of the oldest unbatched notification or pending batch; 0 when there is none.", nil, nil)
)

type outboxCollector struct {
	stats func(context.Context) (chat.OutboxStats, error)
	now   func() time.Time
	errs  prometheus.Counter
}

func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- outboxPending
	ch <- outboxOldest
}

func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), outboxTimeout)
	defer cancel()
	st, err := c.stats(ctx)
	if err != nil {
		c.errs.Inc()
		return
	}
	ch <- prometheus.MustNewConstMetric(outboxPending, prometheus.GaugeValue, float64(st.Notifications), "notifications")
	ch <- prometheus.MustNewConstMetric(outboxPending, prometheus.GaugeValue, float64(st.Batches), "batches")
	age := 0.0
	if !st.Oldest.IsZero() {
		age = max(0, c.now().Sub(st.Oldest).Seconds())
	}
	ch <- prometheus.MustNewConstMetric(outboxOldest, prometheus.GaugeValue, age)
}

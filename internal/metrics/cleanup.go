package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// cleanupMetrics are those of the cleanup job (internal/cleanup).
type cleanupMetrics struct {
	runs        *prometheus.CounterVec
	rows        *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	lastSuccess *prometheus.GaugeVec
}

func newCleanupMetrics() cleanupMetrics {
	return cleanupMetrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "openchat_cleanup_runs_total",
			Help: "Cleanup task runs on this instance by task and result (ok, error)."}, []string{"task", "result"}),
		rows: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "openchat_cleanup_rows_total",
			Help: "Rows the cleanup job deleted (or, for client_ids, cleared) by task."}, []string{"task"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "openchat_cleanup_duration_seconds",
			Help: "Time one cleanup task took in one run, all its batches.", Buckets: []float64{.01, .05, .1, .5, 1, 5, 10, 30, 60, 300}},
			[]string{"task"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "openchat_cleanup_last_success_timestamp_seconds",
			Help: "Unix time of the last run of each cleanup task that succeeded on this instance."}, []string{"task"}),
	}
}

func (c cleanupMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{c.runs, c.rows, c.duration, c.lastSuccess}
}

// CleanupTask records one run of a cleanup task (cleanup.Metrics).
func (p *Prometheus) CleanupTask(task string, rows int64, d time.Duration, err error) {
	c := p.cleanup
	c.duration.WithLabelValues(task).Observe(d.Seconds())
	c.rows.WithLabelValues(task).Add(float64(rows))
	if err != nil {
		c.runs.WithLabelValues(task, "error").Inc()
		return
	}
	c.runs.WithLabelValues(task, "ok").Inc()
	c.lastSuccess.WithLabelValues(task).SetToCurrentTime()
}

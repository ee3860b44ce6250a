package metrics

import "github.com/prometheus/client_golang/prometheus"

// SetBuildInfo registers openchat_build_info{version, revision,
// go_version} 1, so dashboards can show which build each instance runs
// (and a rollout's progress). Call it once.
func (p *Prometheus) SetBuildInfo(version, revision, goVersion string) {
	p.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "openchat_build_info",
		Help:        "Always 1; labels name the build this instance runs.",
		ConstLabels: prometheus.Labels{"version": version, "revision": revision, "go_version": goVersion}},
		func() float64 { return 1 }))
}

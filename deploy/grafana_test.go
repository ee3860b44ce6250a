package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/metrics"
)

// registered returns the label names of every metric family the server
// registers, by name. Every observation is made once, so that vectors,
// which are exposed only once they have a series, show up too.
func registered(t *testing.T) map[string]map[string]bool {
	t.Helper()
	p := metrics.New("test")
	p.SetBuildInfo("v0", "abc", "go")
	p.Cache(chat.CacheRooms, chat.CacheHit)
	p.MessagePosted()
	p.MessagesDelivered(1)
	p.WSConnections(1)
	p.HTTPRequest("GET /api/v1/rooms", 200, time.Millisecond)
	p.MailSent("sent")
	p.RateLimited(chat.LimitPosts, chat.RateLimitOutcomeRefused)
	p.DeliveryLatency(time.Millisecond)
	p.WSClosed(1000, chat.CloseByClient)
	p.StoreOp("Rooms", time.Millisecond, errors.New("x"))
	p.RedisOp("get", time.Millisecond, errors.New("x"))
	p.GroupCommit([]time.Duration{time.Millisecond}, 2*time.Millisecond)
	p.WatchPools(func() []chat.PoolStats { return []chat.PoolStats{{Pool: "main"}} })
	p.WatchOutbox(func(context.Context) (chat.OutboxStats, error) { return chat.OutboxStats{}, nil }, time.Now)
	fams, err := p.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]bool{}
	for _, f := range fams {
		labels := map[string]bool{}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = true
			}
		}
		out[f.GetName()] = labels
		if f.GetType() == dto.MetricType_HISTOGRAM {
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				out[f.GetName()+suffix] = labels
			}
		}
	}
	return out
}

// dashboard is the part of a Grafana dashboard the test reads.
type dashboard struct {
	UID    string  `json:"uid"`
	Title  string  `json:"title"`
	Panels []panel `json:"panels"`
}

type panel struct {
	ID      int     `json:"id"`
	Type    string  `json:"type"`
	Title   string  `json:"title"`
	Panels  []panel `json:"panels"` // a collapsed row's
	Targets []struct {
		Expr  string `json:"expr"`
		RefID string `json:"refId"`
	} `json:"targets"`
	GridPos *struct{ X, Y, W, H int } `json:"gridPos"`
}

var (
	metricName = regexp.MustCompile(`\b(?:openchat|go|process)_[a-z0-9_]+\b`)
	byClause   = regexp.MustCompile(`\b(?:by|on|without|ignoring)\s*\(([^)]*)\)`)
	matcher    = regexp.MustCompile(`([a-z_]+)\s*(?:=~|!~|!=|=)\s*"`)
)

// TestGrafanaDashboard: deploy/grafana/openchat.json parses, its panels
// have unique ids and a place, and every PromQL expression names metrics
// the server registers, with labels those metrics have.
func TestGrafanaDashboard(t *testing.T) {
	b, err := os.ReadFile("grafana/openchat.json")
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("grafana/openchat.json: %v", err)
	}
	if d.UID == "" || d.Title == "" || len(d.Panels) == 0 {
		t.Fatalf("dashboard without uid, title or panels")
	}
	known := registered(t)
	ids := map[int]bool{}
	exprs := 0
	var check func(ps []panel)
	check = func(ps []panel) {
		for _, p := range ps {
			if ids[p.ID] || p.GridPos == nil || p.Title == "" {
				t.Errorf("panel %d %q: duplicate id, or no gridPos or title", p.ID, p.Title)
			}
			ids[p.ID] = true
			check(p.Panels)
			if p.Type != "row" && len(p.Targets) == 0 {
				t.Errorf("panel %q has no query", p.Title)
			}
			for _, tg := range p.Targets {
				exprs++
				checkExpr(t, p.Title, tg.Expr, known)
			}
		}
	}
	check(d.Panels)
	if exprs < 20 {
		t.Errorf("only %d expressions", exprs)
	}
}

func checkExpr(t *testing.T, panel, expr string, known map[string]map[string]bool) {
	t.Helper()
	if strings.Count(expr, "(") != strings.Count(expr, ")") || strings.Count(expr, "{") != strings.Count(expr, "}") {
		t.Errorf("%s: unbalanced brackets in %s", panel, expr)
	}
	names := metricName.FindAllString(expr, -1)
	if len(names) == 0 {
		t.Errorf("%s: %s names no metric", panel, expr)
	}
	labels := map[string]bool{"le": true, "instance": true, "job": true} // le: histograms; the others: Prometheus's
	for _, n := range names {
		ls, ok := known[n]
		if !ok {
			t.Errorf("%s: %s is not a metric the server registers", panel, n)
		}
		for l := range ls {
			labels[l] = true
		}
	}
	var used []string
	for _, m := range byClause.FindAllStringSubmatch(expr, -1) {
		for l := range strings.SplitSeq(m[1], ",") {
			if l = strings.TrimSpace(l); l != "" {
				used = append(used, l)
			}
		}
	}
	for _, m := range matcher.FindAllStringSubmatch(expr, -1) {
		used = append(used, m[1])
	}
	for _, l := range used {
		if !labels[l] {
			t.Errorf("%s: label %q is on none of %v", panel, l, names)
		}
	}
}

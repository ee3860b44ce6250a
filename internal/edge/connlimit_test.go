package edge

import (
	"maps"
	"net/netip"
	"testing"

	"github.com/open-chat/openchat/internal/chat"
)

func TestConnLimiter(t *testing.T) {
	// step takes a slot for a connection (conn) or a forwarded request.
	type step struct {
		addr netip.Addr
		conn bool
		ok   bool
	}
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	proxy := netip.MustParseAddr("10.0.0.1")
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	tests := []struct {
		name         string
		perIP, total int
		wantPerIP    int
		steps        []step
		refused      map[string]int // by limit
	}{
		{name: "per address", perIP: 2, total: 100, wantPerIP: 2, steps: []step{{a, true, true}, {a, true, true}, {a, true, false}, {b, true, true}, {a, false, false}},
			refused: map[string]int{chat.LimitConnsPerIP: 2}},
		{name: "one address gets at most 3/4 of the total", perIP: 1000, total: 8, wantPerIP: 6, steps: []step{{a, true, true}, {a, true, true}, {a, true, true}, {a, true, true}, {a, true, true}, {a, true, true},
			{a, true, false}, {b, true, true}, {b, true, true}, {b, true, false}},
			refused: map[string]int{chat.LimitConnsPerIP: 1, chat.LimitConnsTotal: 1}},
		{name: "trusted proxies count only in the total", perIP: 1, total: 4, wantPerIP: 1, steps: []step{{proxy, true, true}, {proxy, true, true}, {proxy, true, true}, {a, false, true}, {a, false, false},
			{proxy, true, true}, {proxy, true, false}, {b, false, true}},
			refused: map[string]int{chat.LimitConnsPerIP: 1, chat.LimitConnsTotal: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := NewConnLimiter(tt.perIP, tt.total, trusted, "test")
			refusals := &refusalCount{n: map[string]int{}}
			l.CountRefusals(refusals)
			if l.PerIP() != tt.wantPerIP {
				t.Fatalf("PerIP() = %d, want %d", l.PerIP(), tt.wantPerIP)
			}
			var releases []func()
			for i, s := range tt.steps {
				rel, ok := l.acquire(s.addr, s.conn)
				if ok != s.ok {
					t.Fatalf("step %d (%v conn=%v): ok = %v, want %v", i, s.addr, s.conn, ok, s.ok)
				}
				if ok {
					releases = append(releases, rel)
				}
			}
			for _, rel := range releases {
				rel()
				rel() // twice: counted once
			}
			if l.all != 0 || len(l.byIP) != 0 {
				t.Fatalf("after release: all=%d byIP=%v", l.all, l.byIP)
			}
			if !maps.Equal(refusals.n, tt.refused) {
				t.Fatalf("refusals %v, want %v", refusals.n, tt.refused)
			}
		})
	}
}

// refusalCount counts refused connections by limit (under the limiter's lock).
type refusalCount struct {
	chat.NopMetrics
	n map[string]int
}

func (r *refusalCount) RateLimited(limit, outcome string) {
	if outcome == chat.RateLimitOutcomeRefused {
		r.n[limit]++
	}
}

func TestMaxConnsBelowFileLimit(t *testing.T) {
	limit := fileLimit()
	if limit == 0 {
		n, _, _ := MaxConns(0)
		if n != fallbackMaxConns {
			t.Fatalf("MaxConns(0) = %d without a known limit", n)
		}
		return
	}
	auto, got, _ := MaxConns(0)
	if got != limit || uint64(auto) >= limit || auto < 1 {
		t.Fatalf("MaxConns(0) = %d with a descriptor limit of %d", auto, limit)
	}
	if n, _, clamped := MaxConns(int(min(limit, 1<<30)) + 1); n != auto || !clamped {
		t.Fatalf("MaxConns(over the limit) = %d, %v; want %d, clamped", n, clamped, auto)
	}
	if n, _, clamped := MaxConns(1); n != 1 || clamped {
		t.Fatalf("MaxConns(1) = %d, %v", n, clamped)
	}
}

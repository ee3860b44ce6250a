package httpapi

import (
	"log/slog"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/open-chat/openchat/internal/chat"
)

// ipLimiter is a token bucket per client IP. It forgets idle clients (a
// full bucket carries no information) and never tracks more than max IPs:
// past that, after forgetting the idle ones, it starts over rather than grow.
type ipLimiter struct {
	limit  rate.Limit
	burst  int
	maxIPs int

	mu      sync.Mutex
	clients map[string]*rate.Limiter
}

func newIPLimiter(limit rate.Limit, burst, maxIPs int) *ipLimiter {
	return &ipLimiter{limit: limit, burst: burst, maxIPs: maxIPs, clients: map[string]*rate.Limiter{}}
}

// allow takes a token for ip, or says how long to wait for one.
func (l *ipLimiter) allow(ip string, now time.Time) (bool, time.Duration) {
	if l.limit == rate.Inf {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.clients[ip]
	if !ok {
		if len(l.clients) >= l.maxIPs {
			l.forgetIdle(now)
		}
		lim = rate.NewLimiter(l.limit, l.burst)
		l.clients[ip] = lim
	}
	res := lim.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}

func (l *ipLimiter) forgetIdle(now time.Time) {
	for ip, lim := range l.clients {
		if lim.TokensAt(now) >= float64(l.burst) {
			delete(l.clients, ip)
		}
	}
	if len(l.clients) >= l.maxIPs {
		clear(l.clients)
	}
}

// rateLimit answers 429 with Retry-After (whole seconds) when the client IP
// is over its budget. The IP is the TCP peer: proxies are a later concern.
func rateLimit(log *slog.Logger, l *ipLimiter, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			ip = r.RemoteAddr
		}
		if ok, wait := l.allow(ip, time.Now()); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			errorf(w, r, log, chat.ERATELIMITED, "too many attempts; retry in %s", wait.Round(time.Second))
			return
		}
		next.ServeHTTP(w, r)
	})
}

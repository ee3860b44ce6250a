package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"strings"
	"sync"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/edge"
	"github.com/open-chat/openchat/internal/groupcommit"
	"github.com/open-chat/openchat/internal/httpapi"
	"github.com/open-chat/openchat/internal/images"
	"github.com/open-chat/openchat/internal/instrument"
	"github.com/open-chat/openchat/internal/mail"
	"github.com/open-chat/openchat/internal/memory"
	"github.com/open-chat/openchat/internal/metrics"
	"github.com/open-chat/openchat/internal/password"
	"github.com/open-chat/openchat/internal/postgres"
	"github.com/open-chat/openchat/internal/redis"
	"github.com/open-chat/openchat/internal/sqlite"
	"github.com/open-chat/openchat/internal/tracing"
	"github.com/open-chat/openchat/internal/ws"
	"github.com/open-chat/openchat/web"
)

// Presence timing: entries live PresenceTTL unless refreshed; instances
// refresh every third of it, so one missed refresh never drops a user.
const presenceTTL = 60 * time.Second

// openStore opens the database named by the config and migrates it;
// PostgreSQL's with openPG (postgres.OpenServer for a server).
func openStore(ctx context.Context, c config, openPG func(context.Context, string, *slog.Logger) (*postgres.Store, error), log *slog.Logger) (chat.Store, error) {
	if err := checkDatabaseURL(c.DatabaseURL); err != nil {
		return nil, err
	}
	if c.DatabaseURL != "" {
		return openPG(ctx, c.DatabaseURL, log)
	}
	if err := os.MkdirAll(c.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	return sqlite.Open(ctx, c.sqlitePath(), log)
}

// infra are the swappable adapters: in-process by default, Redis when set.
type infra struct {
	cache    chat.Cache
	pubsub   chat.PubSub
	presence chat.Presence
	// limiter counts rate limits; limiterFallback decides the fail-closed
	// limits while a shared limiter fails (chat.LimitSpec.FailOpen).
	limiter         chat.RateLimiter
	limiterFallback chat.RateLimiter
	locker          chat.Locker // nil without Redis
	close           func() error
}

func openInfra(ctx context.Context, c config, m chat.Metrics, tp trace.TracerProvider, log *slog.Logger) (infra, error) {
	if c.RedisURL == "" {
		ps := memory.NewPubSub()
		return infra{
			cache:    memory.NewCache(memory.CacheConfig{RoomsTTL: c.CacheRoomsTTL, MessagesPerRoom: c.CacheRoomMessages, MaxRooms: c.CacheMaxRooms}),
			pubsub:   ps,
			presence: memory.NewPresence(c.InstanceID, presenceTTL, time.Now),
			limiter:  memory.NewRateLimiter(0, nil),
			close:    ps.Close,
		}, nil
	}
	rc, err := redis.Open(ctx, c.RedisURL, redis.Options{Prefix: c.RedisPrefix, InstanceID: c.InstanceID, Timeout: c.CacheTimeout,
		RoomsTTL: c.CacheRoomsTTL, MessagesPerRoom: c.CacheRoomMessages, PresenceTTL: presenceTTL, Metrics: m, TracerProvider: tp}, log)
	if err != nil {
		return infra{}, err
	}
	return infra{cache: rc.Cache(), pubsub: rc.PubSub(), presence: rc.Presence(), limiter: rc.RateLimiter(),
		limiterFallback: memory.NewRateLimiter(0, nil), locker: rc.Locker(0), close: rc.Close}, nil
}

// serve runs the server until ctx ends, then shuts down in order: stop
// accepting, close WebSockets with 1001, finish in-flight requests (bounded),
// stop workers, close the database, flush the traces. getenv supplies the
// OpenTelemetry settings (OTEL_*), which are not OpenChat flags.
func serve(ctx context.Context, c config, getenv func(string) string, stderr io.Writer) error {
	log := newLogger(c, stderr)
	if err := os.MkdirAll(c.DataDir, 0o750); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	secret, err := c.secret()
	if err != nil {
		return err
	}
	m := metrics.New(c.InstanceID)
	build := readBuildInfo()
	m.SetBuildInfo(build.Version, build.Revision, build.GoVersion)
	tp, err := tracing.New(ctx, getenv, tracing.Config{Version: build.Version, InstanceID: c.InstanceID})
	if err != nil {
		return err
	}
	var tracer trace.TracerProvider // nil: tracing off, at no cost
	if tp != nil {
		tracer = tp
		log = slog.New(tracing.LogHandler(log.Handler()))
		defer flushTraces(context.WithoutCancel(ctx), tp, log)
		log.Info("tracing", "endpoint", tracing.Endpoint(getenv))
	}
	st, err := openStore(ctx, c, postgres.OpenServer, log)
	if err != nil {
		return err
	}
	defer st.Close()
	raw := st
	st = observeStore(st, dbSystem(c), m, tracer)
	inf, err := openInfra(ctx, c, m, tracer, log)
	if err != nil {
		return err
	}
	defer inf.close()
	if c.CacheDisabled {
		inf.cache = chat.NoCache{}
	}
	blobs, err := openBlobs(ctx, c, getenv)
	if err != nil {
		return err
	}
	svc := chat.NewService(chat.Deps{Store: st, Cache: inf.cache, PubSub: inf.pubsub,
		Hasher: password.NewArgon2id(password.DefaultParams), Metrics: m, Log: log,
		Config:      chat.ServiceConfig{CachedMessages: c.CacheRoomMessages, Limits: c.Limits, EraseOnDelete: c.EraseOnDelete},
		RateLimiter: inf.limiter, RateLimiterFallback: inf.limiterFallback,
		Files: chat.FilesConfig{Blobs: blobs, Images: images.Images{}, MaxBytes: c.UploadMaxBytes, QuotaBytes: c.UploadQuotaBytes,
			MemoryBytes: c.UploadMemoryBytes, PublicURL: c.FilesPublicURL, Secret: secret}})
	defer svc.WaitBackground()
	if err := svc.WatchSessions(ctx); err != nil {
		return fmt.Errorf("watch sessions: %w", err)
	}
	if err := svc.WatchMembers(ctx); err != nil {
		return fmt.Errorf("watch members: %w", err)
	}
	wsSrv := ws.NewServer(ws.Config{InstanceID: c.InstanceID, AllowedOrigins: c.AllowedOrigins, PresenceTTL: presenceTTL,
		MaxPerUser: c.WSMaxPerUser}, svc, inf.pubsub, inf.presence, m, log)
	webH, err := web.NewHandler(web.Config{AssetURL: c.AssetURL})
	if err != nil {
		return err
	}
	transport, err := mail.NewTransport(c.SMTPURL, c.DataDir, log)
	if err != nil {
		return err
	}
	mailCfg := mail.Config{InstanceID: c.InstanceID, BatchWindow: c.MailBatchWindow, Rate: c.MailRate,
		Burst: c.MailBurst, PerRecipientPerHour: c.MailPerRecipientHour, PublicURL: c.PublicURL, From: c.MailFrom,
		Secret: secret}
	if err := mailCfg.Validate(); err != nil {
		return err
	}
	worker := mail.NewWorker(mailCfg, st, inf.presence, transport, m, log)
	handler := httpapi.NewServer(httpapi.Config{InstanceID: c.InstanceID, Version: build.Version, AllowedOrigins: c.AllowedOrigins,
		Secret: secret, SecureCookies: strings.HasPrefix(c.PublicURL, "https://")}, svc,
		httpapi.Deps{WS: wsSrv, Web: webH, Metrics: m, Log: log})

	if tracer != nil {
		handler = tracing.Handler(handler, tracer)
	}
	limiter := newConnLimiter(c, log)
	limiter.CountRefusals(m)
	handler = limiter.Middleware(edge.Middleware(c.TrustedProxies, c.InstanceID, handler))

	ln, redirectSrv, err := listen(c, limiter, log)
	if err != nil {
		return err
	}
	// ReadTimeout bounds headers and body (a hijacked WebSocket is free of
	// it: net/http clears the deadline).
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: c.ReadTimeout,
		IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	if redirectSrv != nil {
		defer redirectSrv.Close()
	}

	bg, stopBg := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	for _, f := range []func(context.Context){
		func(ctx context.Context) { wsSrv.Run(ctx) },
		func(ctx context.Context) {
			if err := worker.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
				log.Error("mail worker stopped", "err", err)
			}
		},
		func(ctx context.Context) { svc.RepairCache(ctx, time.Second) },
		func(ctx context.Context) { svc.RunReadFlusher(ctx, chat.ReadFlushInterval) },
		newCleanup(c, raw, st, svc, inf, m, log).Run,
	} {
		wg.Add(1)
		go func() { defer wg.Done(); f(bg) }()
	}
	for _, p := range []struct {
		name, addr string
		handler    http.Handler
	}{{"pprof", c.PprofAddr, pprofHandler()}, {"metrics", c.MetricsAddr, metricsHandler(m)}} {
		if p.addr == "" {
			continue
		}
		if err := servePrivate(bg, p.name, p.addr, p.handler, log); err != nil {
			_ = ln.Close()
			stopBg()
			wg.Wait()
			return err
		}
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("openchat listening", "addr", ln.Addr().String(), "public_url", c.PublicURL, "version", build.Version,
		"database", dbKind(c), "redis", c.RedisURL != "")

	select {
	case err := <-errc:
		stopBg()
		wg.Wait()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", c.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.ShutdownTimeout)
	defer cancel()
	wsSrv.Shutdown(sctx)
	err = srv.Shutdown(sctx)
	stopBg()
	wg.Wait()
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// newConnLimiter bounds connections per client address and in all, below
// the file-descriptor limit.
func newConnLimiter(c config, log *slog.Logger) *edge.ConnLimiter {
	total, fdLimit, clamped := edge.MaxConns(c.MaxConns)
	if clamped {
		log.Warn("--max-conns lowered to stay below the file-descriptor limit", "max_conns", total, "fd_limit", fdLimit)
	}
	l := edge.NewConnLimiter(c.MaxConnsPerIP, total, c.TrustedProxies, c.InstanceID)
	if l.PerIP() < c.MaxConnsPerIP {
		log.Warn("--max-conns-per-ip lowered to three quarters of the connection cap, so one address cannot starve the others",
			"max_conns_per_ip", l.PerIP(), "max_conns", total)
	}
	log.Debug("connection limits", "max_conns", total, "max_conns_per_ip", l.PerIP(), "fd_limit", fdLimit)
	return l
}

// listen opens the main listener (TLS when configured) and, with TLS, the
// plain-HTTP listener that answers ACME challenges and redirects to https.
// Both count their connections in limiter.
func listen(c config, limiter *edge.ConnLimiter, log *slog.Logger) (net.Listener, *http.Server, error) {
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return nil, nil, fmt.Errorf("listen: %w", err)
	}
	ln = limiter.Listener(ln)
	if !c.tls().Enabled() {
		return ln, nil, nil
	}
	tlsCfg, acme, err := c.tls().Config()
	if err != nil {
		ln.Close()
		return nil, nil, err
	}
	ln = tls.NewListener(ln, tlsCfg)
	if c.HTTPRedirectAddr == "" {
		return ln, nil, nil
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	rln, err := net.Listen("tcp", c.HTTPRedirectAddr)
	if err != nil {
		ln.Close()
		return nil, nil, fmt.Errorf("listen %s: %w", c.HTTPRedirectAddr, err)
	}
	rs := &http.Server{Handler: edge.RedirectHandler(acme, port, c.InstanceID), ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: c.ReadTimeout}
	go func() {
		if err := rs.Serve(limiter.Listener(rln)); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("redirect listener", "err", err)
		}
	}()
	log.Info("redirecting plain HTTP to https", "addr", rln.Addr().String())
	return ln, rs, nil
}

// storeStats is what both stores offer operators beyond chat.Store.
type storeStats interface {
	PoolStats() []chat.PoolStats
	ObserveGroups(func(groupcommit.Group))
	OutboxStats(ctx context.Context) (chat.OutboxStats, error)
}

var (
	_ storeStats = (*sqlite.Store)(nil)
	_ storeStats = (*postgres.Store)(nil)
)

// dbSystem names the database as OpenTelemetry does (db.system.name).
func dbSystem(c config) string {
	if c.DatabaseURL != "" {
		return "postgresql"
	}
	return "sqlite"
}

// observeStore reports st's pools, group commits and outbox to m and
// returns st wrapped so that every call is timed and, with tp, traced.
func observeStore(st chat.Store, system string, m *metrics.Prometheus, tp trace.TracerProvider) chat.Store {
	if s, ok := st.(storeStats); ok {
		s.ObserveGroups(func(g groupcommit.Group) { m.GroupCommit(g.Waits, g.Took) })
		m.WatchPools(s.PoolStats)
		m.WatchOutbox(s.OutboxStats, time.Now) // unwrapped: a scrape is no store call worth timing
	}
	var tracer trace.Tracer
	if tp != nil {
		tracer = tp.Tracer("github.com/open-chat/openchat/internal/instrument")
	}
	return instrument.NewStore(st, system, m, tracer)
}

// flushTraces sends the spans still buffered, within a few seconds.
func flushTraces(ctx context.Context, tp *sdktrace.TracerProvider, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := tp.Shutdown(ctx); err != nil {
		log.Warn("flushing traces failed", "err", err)
	}
}

func dbKind(c config) string {
	if c.DatabaseURL != "" {
		return "postgres"
	}
	return "sqlite"
}

func pprofHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// metricsHandler serves GET /metrics on the private listener only: the
// public one answers 404 there.
func metricsHandler(m *metrics.Prometheus) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	return mux
}

// servePrivate serves h on addr, a listener meant for operators only
// (pprof, metrics), until ctx ends. Listening fails serve at start-up.
func servePrivate(ctx context.Context, name, addr string, h http.Handler, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("%s listener: %w", name, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { <-ctx.Done(); _ = srv.Close() }()
	log.Info(name+" listening", "addr", ln.Addr().String())
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error(name, "err", err)
		}
	}()
	return nil
}

package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/cleanup"
	"github.com/open-chat/openchat/internal/edge"
	"github.com/open-chat/openchat/internal/ws"
)

// config is every setting of `openchat serve`, built in run from flags,
// OPENCHAT_* environment variables and an optional --config file (flags
// win over the environment, which wins over the file).
type config struct {
	ConfigFile      string
	Addr            string
	DataDir         string
	DatabaseURL     string
	InstanceID      string
	RedisURL        string
	RedisPrefix     string
	PublicURL       string
	AllowedOrigins  []string
	Secret          string
	ShutdownTimeout time.Duration
	LogLevel        string
	LogFormat       string
	PprofAddr       string
	MetricsAddr     string

	ReadTimeout   time.Duration
	MaxConnsPerIP int
	MaxConns      int
	WSMaxPerUser  int

	CacheRoomsTTL     time.Duration
	CacheRoomMessages int
	CacheMaxRooms     int
	CacheTimeout      time.Duration
	CacheDisabled     bool

	SMTPURL              string
	MailFrom             string
	MailBatchWindow      time.Duration
	MailRate             float64
	MailBurst            int
	MailPerRecipientHour int

	AssetURL string

	// Data lifecycle (cleanup.go, docs/operations.md).
	CleanupInterval      time.Duration
	MailHistoryDays      int
	MessageRetentionDays int
	EraseOnDelete        bool
	FilesURL             string
	FilesPublicURL       string
	UploadMaxBytes       int64
	UploadQuotaBytes     int64
	UploadMemoryBytes    int64

	// Limits are the rate limits (limits.go); WSSendRate and WSSendBurst
	// are their deprecated per-connection predecessors, mapped onto posts.
	Limits      []chat.Limit
	WSSendRate  float64
	WSSendBurst int

	TLSCert          string
	TLSKey           string
	ACMEDomain       string
	HTTPRedirectAddr string
	TrustedProxies   []netip.Prefix
}

// envName is the environment variable that sets a flag: --cache-rooms-ttl
// is OPENCHAT_CACHE_ROOMS_TTL.
func envName(flagName string) string {
	return "OPENCHAT_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// newFlagSet defines the serve flags into c. Every flag's usage names its
// environment variable, so --help documents both.
func newFlagSet(name string, c *config, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	str := func(p *string, name, value, usage string) { fs.StringVar(p, name, value, usage) }
	dur := func(p *time.Duration, name string, value time.Duration, usage string) {
		fs.DurationVar(p, name, value, usage)
	}
	enum := func(p *string, name, value, usage string, allowed ...string) {
		fs.Var(newEnum(p, value, allowed...), name, usage)
	}
	str(&c.ConfigFile, "config", "", "TOML (.toml) or YAML (.yaml) file of settings, flag names as keys; flags and environment variables override it")
	str(&c.Addr, "addr", ":8080", "HTTP listen address")
	str(&c.DataDir, "data-dir", "./data", "directory for the SQLite database, the secret and the mail folder")
	str(&c.DatabaseURL, "database-url", "", "empty: SQLite file in the data dir; postgres://… : PostgreSQL")
	str(&c.InstanceID, "instance-id", "", "name of this instance in X-Served-By (default: hostname-<random>)")
	str(&c.RedisURL, "redis-url", "", "redis://… : cache, pub/sub and presence on Redis (required for several instances)")
	str(&c.RedisPrefix, "redis-prefix", "openchat:", "prefix of every Redis key and channel, so several deployments can share one Redis")
	str(&c.PublicURL, "public-url", "", "URL people use to reach the server, for links in e-mails (default: http://localhost<addr>)")
	fs.String("allowed-origins", "", "comma-separated extra origins allowed for CORS and WebSocket (e.g. https://chat.example.com)")
	str(&c.Secret, "secret", "", "key for signed links, shared by all instances (default: generated into <data-dir>/secret)")
	dur(&c.ShutdownTimeout, "shutdown-timeout", 15*time.Second, "how long in-flight requests may finish on SIGTERM")
	enum(&c.LogLevel, "log-level", "info", "debug, info, warn or error", "debug", "info", "warn", "error")
	enum(&c.LogFormat, "log-format", "text", "text or json", "text", "json")
	str(&c.PprofAddr, "pprof-addr", "", "if set, serve net/http/pprof on this address (keep it private, e.g. 127.0.0.1:6060)")
	str(&c.MetricsAddr, "metrics-addr", "", "if set, serve Prometheus /metrics on this address only (keep it private, e.g. 127.0.0.1:9090); empty: no metrics")
	dur(&c.ReadTimeout, "read-timeout", 30*time.Second, "a request's headers and body must arrive within this time (408 otherwise); WebSockets are exempt once upgraded")
	fs.IntVar(&c.MaxConnsPerIP, "max-conns-per-ip", 1000, "connections one client address may hold (behind --trusted-proxies: requests and WebSockets per forwarded address)")
	fs.IntVar(&c.MaxConns, "max-conns", 0, "connections the process may hold (0: the file-descriptor limit minus a reserve; never more than that)")
	fs.IntVar(&c.WSMaxPerUser, "ws-max-per-user", ws.DefaultMaxPerUser, "WebSocket connections one user may hold on this instance (more get 429)")
	dur(&c.CacheRoomsTTL, "cache-rooms-ttl", 10*time.Second, "safety-net expiry of the cached room list")
	fs.IntVar(&c.CacheRoomMessages, "cache-room-messages", 50, "newest messages cached per room")
	fs.IntVar(&c.CacheMaxRooms, "cache-max-rooms", 10000, "rooms whose messages the in-process cache keeps (LRU)")
	fs.BoolVar(&c.CacheDisabled, "cache-disabled", false, "read everything from the database (to measure what the cache buys)")
	dur(&c.CacheTimeout, "cache-timeout", 50*time.Millisecond, "Redis cache operation timeout before falling back to the database")
	str(&c.SMTPURL, "smtp-url", "", "smtp://user:pass@host:587 (STARTTLS), smtps://…:465, smtp://host:25; empty: write .eml files to <data-dir>/mail")
	str(&c.MailFrom, "mail-from", "OpenChat <openchat@localhost>", "From address of mention e-mails")
	dur(&c.MailBatchWindow, "mail-batch-window", 60*time.Second, "mentions of one person within this window go out as one e-mail")
	fs.Float64Var(&c.MailRate, "mail-rate", 1, "e-mails per second, all recipients together")
	fs.IntVar(&c.MailBurst, "mail-burst", 4, "e-mails that may go out at once before --mail-rate applies")
	fs.IntVar(&c.MailPerRecipientHour, "mail-per-recipient-hour", 20, "e-mails per recipient per hour; more wait")
	defineLimitFlags(fs, c)
	str(&c.TLSCert, "tls-cert", "", "PEM certificate file: serve HTTPS on --addr")
	str(&c.TLSKey, "tls-key", "", "PEM private key file for --tls-cert")
	str(&c.ACMEDomain, "acme-domain", "", "obtain certificates for this domain automatically (ACME, cached in <data-dir>/acme)")
	str(&c.HTTPRedirectAddr, "http-redirect-addr", ":80", "with TLS on: plain-HTTP listener for ACME challenges and the redirect to https (empty: none)")
	fs.String("trusted-proxies", "", "comma-separated CIDRs of load balancers whose X-Forwarded-For/-Proto are believed (others' are dropped)")
	dur(&c.CleanupInterval, "cleanup-interval", cleanup.DefaultInterval, "how often the cleanup job deletes expired sessions, old mail history, idempotency keys and expired messages (one instance at a time)")
	fs.IntVar(&c.MailHistoryDays, "mail-history", 30, "days sent mail batches and their notifications are kept")
	fs.IntVar(&c.MessageRetentionDays, "message-retention", 0, "days messages are kept before they become tombstones (0: forever)")
	fs.BoolVar(&c.EraseOnDelete, "erase-on-delete", false, "deleting an account also deletes its messages (default: they stay, by \"Deleted user\")")
	str(&c.FilesURL, "files-url", "", "where uploaded files live: empty for <data-dir>/files, file:///dir, or s3://bucket[/prefix]?endpoint=host:port&region=… (credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)")
	str(&c.FilesPublicURL, "files-public-url", "", "serve files through signed, expiring URLs under this base URL (a CDN whose origin is this server), e.g. https://files.example.com")
	fs.Int64Var(&c.UploadMaxBytes, "upload-max-bytes", chat.DefaultUploadMaxBytes, "largest file one upload may carry (larger get 413)")
	fs.Int64Var(&c.UploadQuotaBytes, "upload-quota-bytes", chat.DefaultUploadQuotaBytes, "bytes of files one user may keep stored (more get 413; -1: unlimited)")
	fs.Int64Var(&c.UploadMemoryBytes, "upload-memory-bytes", 0, "bytes of upload bodies one instance holds in memory at once, a quarter per user at most (uploads that do not fit get 503); 0: 256 MiB, or two files at --upload-max-bytes if more")
	str(&c.AssetURL, "asset-url", "", "load the web client's assets from this URL (a CDN), e.g. https://cdn.example.com/")
	fs.VisitAll(func(f *flag.Flag) { f.Usage += " [$" + envName(f.Name) + "]" })
	describeForms(fs)
	fs.Usage = func() { printUsage(stderr, fs, name) }
	return fs
}

// parseServe fills c from the environment, then args, then the --config
// file for what neither set.
func parseServe(c *config, args []string, getenv func(string) string, stderr io.Writer) error {
	fs, err := parseFlags("serve", c, args, getenv, stderr, nil)
	if err != nil {
		return err
	}
	set := map[string]bool{} // set by a flag, the environment or the config file
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if err := c.mapDeprecatedLimitFlags(set); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	return c.fromFlags(fs)
}

// parseFlags applies the environment, args and the --config file to c, in
// that order of precedence, and returns the flag set (its Args are the
// positional arguments). extra, if set, defines flags of the command alone
// (they have no environment variable).
func parseFlags(name string, c *config, args []string, getenv func(string) string, stderr io.Writer, extra func(*flag.FlagSet)) (*flag.FlagSet, error) {
	fs := newFlagSet(name, c, stderr)
	explicit := map[string]bool{}
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if v := getenv(envName(f.Name)); v != "" && err == nil {
			explicit[f.Name] = true
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s=%q: %w", envName(f.Name), v, e)
			}
		}
	})
	if err != nil {
		return nil, err
	}
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	fs.Visit(func(f *flag.Flag) { explicit[f.Name] = true })
	if c.ConfigFile != "" {
		if err := loadConfigFile(fs, c.ConfigFile, explicit); err != nil {
			return nil, err
		}
	}
	return fs, nil
}

// fromFlags reads the list flags and finishes c.
func (c *config) fromFlags(fs *flag.FlagSet) error {
	if o := fs.Lookup("allowed-origins").Value.String(); o != "" {
		for _, s := range strings.Split(o, ",") {
			if s = strings.TrimRight(strings.TrimSpace(s), "/"); s != "" {
				c.AllowedOrigins = append(c.AllowedOrigins, s)
			}
		}
	}
	ps, err := edge.ParsePrefixes(fs.Lookup("trusted-proxies").Value.String())
	if err != nil {
		return err
	}
	c.TrustedProxies = ps
	return c.finish()
}

// finish fills derived defaults and checks values.
func (c *config) finish() error {
	if c.InstanceID == "" {
		host, _ := os.Hostname()
		if host == "" {
			host = "openchat"
		}
		var b [3]byte
		_, _ = rand.Read(b[:])
		c.InstanceID = host + "-" + hex.EncodeToString(b[:])
	}
	if c.PublicURL == "" {
		host := c.Addr
		if strings.HasPrefix(host, ":") {
			host = "localhost" + host
		}
		scheme := "http://"
		if c.tls().Enabled() {
			scheme = "https://"
		}
		if c.ACMEDomain != "" {
			host = c.ACMEDomain + strings.TrimSuffix(strings.TrimPrefix(host, "localhost"), ":443")
		}
		c.PublicURL = scheme + host
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	if err := checkDatabaseURL(c.DatabaseURL); err != nil {
		return err
	}
	if err := c.tls().Validate(); err != nil {
		return err // the files themselves are read once, when serve listens
	}
	switch {
	case c.CacheRoomMessages < 1 || c.CacheRoomMessages > 1000:
		return errors.New("--cache-room-messages must be 1 to 1000")
	case c.CacheMaxRooms < 1:
		return errors.New("--cache-max-rooms must be at least 1")
	case c.CacheRoomsTTL <= 0 || c.CacheTimeout <= 0 || c.MailBatchWindow < 0 || c.ShutdownTimeout <= 0:
		return errors.New("durations must be positive")
	case c.MailRate <= 0 || c.MailBurst < 1 || c.MailPerRecipientHour < 1:
		return errors.New("--mail-rate, --mail-burst and --mail-per-recipient-hour must be positive")
	case c.UploadMaxBytes < 1 || c.UploadQuotaBytes < -1 || c.UploadQuotaBytes == 0:
		return errors.New("--upload-max-bytes must be positive, --upload-quota-bytes positive or -1 (unlimited)")
	case c.UploadMemoryBytes != 0 && c.UploadMemoryBytes <= c.UploadMaxBytes:
		return errors.New("--upload-memory-bytes must be 0 (automatic) or larger than --upload-max-bytes: one file at the limit must fit")
	case c.ReadTimeout <= 0:
		return errors.New("--read-timeout must be positive")
	case c.MaxConnsPerIP < 1 || c.MaxConns < 0 || c.WSMaxPerUser < 1:
		return errors.New("--max-conns-per-ip and --ws-max-per-user must be at least 1, --max-conns at least 0")
	case c.CleanupInterval <= 0 || c.MailHistoryDays < 1 || c.MessageRetentionDays < 0:
		return errors.New("--cleanup-interval must be positive, --mail-history at least 1 (days), --message-retention at least 0 (days; 0 keeps messages forever)")
	}
	return nil
}

// secret returns the signing key: --secret, or one generated once and kept
// in the data dir so links survive restarts of a single instance.
func (c *config) secret() ([]byte, error) {
	if c.Secret != "" {
		return []byte(c.Secret), nil
	}
	path := filepath.Join(c.DataDir, "secret")
	if b, err := os.ReadFile(path); err == nil && len(b) >= 32 {
		return b, nil
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	s := []byte(hex.EncodeToString(b))
	if err := os.WriteFile(path, s, 0o600); err != nil {
		return nil, fmt.Errorf("write secret: %w", err)
	}
	return s, nil
}

func (c *config) tls() edge.TLS {
	return edge.TLS{CertFile: c.TLSCert, KeyFile: c.TLSKey, ACMEDomain: c.ACMEDomain, DataDir: c.DataDir}
}

package mail

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"

	gomail "github.com/wneessen/go-mail"
)

// Transport hands an e-mail to whatever delivers it. Send may be called
// again with the same e-mail after a crash or a lost answer; the stable
// Message-ID makes the resend recognisable.
type Transport interface {
	Send(ctx context.Context, e *Email) error
}

// NewTransport picks the transport from --smtp-url: empty writes .eml files
// into <dataDir>/mail/; smtp:// and smtps:// send through an SMTP server.
//
//	smtp://user:pass@host:587    STARTTLS, mandatory (credentials never travel in clear)
//	smtps://user:pass@host:465   implicit TLS
//	smtp://host:25               no credentials: STARTTLS when offered (local relays)
//
// Query parameters override the choice: tls=none|starttls|mandatory
// (starttls = use it when offered), skip_verify=true (self-signed relays,
// tests), auth=auto|plain|login|cram-md5.
func NewTransport(smtpURL, dataDir string, log *slog.Logger) (Transport, error) {
	if smtpURL == "" {
		return NewFileTransport(dataDir, log)
	}
	return newSMTPTransport(smtpURL, log)
}

// Default SMTP ports per scheme and TLS mode.
const (
	portSubmission = 587
	portSMTPS      = 465
	portRelay      = 25
)

// smtpTransport sends through go-mail, one connection per e-mail: at the
// rates mention e-mails go out, keeping connections open buys nothing.
type smtpTransport struct {
	opts    []gomail.Option
	host    string
	display string // URL without password, for logs
	log     *slog.Logger
}

func newSMTPTransport(raw string, log *slog.Logger) (*smtpTransport, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("smtp url: %w", err)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("smtp url %q: no host", u.Redacted())
	}
	user := u.User.Username()
	pass, _ := u.User.Password()
	q := u.Query()
	tlsConf := &tls.Config{ServerName: u.Hostname(), MinVersion: tls.VersionTLS12}
	if v := q.Get("skip_verify"); v != "" {
		skip, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("smtp url: skip_verify=%q: want true or false", v)
		}
		tlsConf.InsecureSkipVerify = skip //nolint:gosec // opt-in for self-signed relays and tests
	}
	opts := []gomail.Option{gomail.WithTLSConfig(tlsConf)}

	var port int
	var policy gomail.TLSPolicy
	switch u.Scheme {
	case "smtps":
		port = portSMTPS
		opts = append(opts, gomail.WithSSL())
		policy = gomail.TLSMandatory
	case "smtp":
		port, policy = portRelay, gomail.TLSOpportunistic
		if user != "" {
			port, policy = portSubmission, gomail.TLSMandatory
		}
		switch mode := q.Get("tls"); mode {
		case "":
		case "none":
			policy = gomail.NoTLS
		case "starttls":
			policy = gomail.TLSOpportunistic
		case "mandatory":
			policy = gomail.TLSMandatory
		default:
			return nil, fmt.Errorf("smtp url: tls=%q: want none, starttls or mandatory", mode)
		}
	default:
		return nil, fmt.Errorf("smtp url %q: scheme must be smtp or smtps", u.Redacted())
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("smtp url: port %q: %w", p, err)
		}
	}
	opts = append(opts, gomail.WithPort(port), gomail.WithTLSPolicy(policy))
	if user != "" {
		auth, err := authType(q.Get("auth"), policy == gomail.NoTLS && u.Scheme == "smtp")
		if err != nil {
			return nil, err
		}
		opts = append(opts, gomail.WithSMTPAuth(auth), gomail.WithUsername(user), gomail.WithPassword(pass))
		if policy != gomail.TLSMandatory {
			log.Warn("smtp credentials may travel unencrypted; use tls=mandatory or smtps in production", "smtp", u.Redacted())
		}
	}
	// Fail now on options go-mail rejects (bad port, …), not on the first e-mail.
	if _, err := gomail.NewClient(u.Hostname(), opts...); err != nil {
		return nil, fmt.Errorf("smtp url: %w", err)
	}
	return &smtpTransport{opts: opts, host: u.Hostname(), display: u.Redacted(), log: log}, nil
}

// authType maps the auth query parameter; plain and login over a
// connection without TLS need go-mail's explicit "no encryption" variants.
func authType(name string, clear bool) (gomail.SMTPAuthType, error) {
	switch strings.ToLower(name) {
	case "", "auto":
		return gomail.SMTPAuthAutoDiscover, nil
	case "plain":
		if clear {
			return gomail.SMTPAuthPlainNoEnc, nil
		}
		return gomail.SMTPAuthPlain, nil
	case "login":
		if clear {
			return gomail.SMTPAuthLoginNoEnc, nil
		}
		return gomail.SMTPAuthLogin, nil
	case "cram-md5":
		return gomail.SMTPAuthCramMD5, nil
	}
	return "", fmt.Errorf("smtp url: auth=%q: want auto, plain, login or cram-md5", name)
}

func (t *smtpTransport) Send(ctx context.Context, e *Email) error {
	m, err := e.message()
	if err != nil {
		return err
	}
	c, err := gomail.NewClient(t.host, t.opts...)
	if err != nil {
		return fmt.Errorf("smtp client: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, m); err != nil {
		return fmt.Errorf("smtp %s: %w", t.display, err)
	}
	return nil
}

func (t *smtpTransport) String() string { return t.display }

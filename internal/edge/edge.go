// Package edge is what faces the network: TLS (files or ACME), the plain
// HTTP listener that answers ACME challenges and redirects to https, HSTS,
// and trusting X-Forwarded-* only from configured proxies.
package edge

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/acme/autocert"
)

// HSTSValue is sent on https responses: one year, subdomains excluded so a
// chat on chat.example.org does not pin the whole domain.
const HSTSValue = "max-age=31536000"

// TLS holds the certificate source; at most one of Cert/Key or ACMEDomain.
type TLS struct {
	CertFile, KeyFile string
	ACMEDomain        string
	DataDir           string // ACME account and certificate cache: <DataDir>/acme
}

// Enabled reports whether the server terminates TLS itself.
func (t TLS) Enabled() bool { return t.CertFile != "" || t.KeyFile != "" || t.ACMEDomain != "" }

// Validate checks the flag combination without touching files: none,
// both of cert and key, or an ACME domain alone.
func (t TLS) Validate() error {
	switch {
	case t.ACMEDomain != "" && (t.CertFile != "" || t.KeyFile != ""):
		return errors.New("use either --acme-domain or --tls-cert/--tls-key")
	case (t.CertFile == "") != (t.KeyFile == ""):
		return errors.New("--tls-cert and --tls-key go together")
	}
	return nil
}

// Config returns the tls.Config for the https listener and, for ACME, the
// manager whose HTTP handler must answer challenges on the plain listener.
func (t TLS) Config() (*tls.Config, *autocert.Manager, error) {
	if err := t.Validate(); err != nil {
		return nil, nil, err
	}
	switch {
	case t.ACMEDomain != "":
		m := &autocert.Manager{Prompt: autocert.AcceptTOS, HostPolicy: autocert.HostWhitelist(t.ACMEDomain),
			Cache: autocert.DirCache(filepath.Join(t.DataDir, "acme"))}
		cfg := m.TLSConfig()
		cfg.MinVersion = tls.VersionTLS12
		return cfg, m, nil
	}
	cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
	if err != nil {
		return nil, nil, fmt.Errorf("load TLS key pair: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, NextProtos: []string{"h2", "http/1.1"}}, nil, nil
}

// ParsePrefixes reads a comma-separated list of CIDRs or addresses.
func ParsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q: %w", f, err)
			}
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: %w", f, err)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// Middleware makes the handler see the client as the edge saw it. From a
// trusted proxy, the last untrusted X-Forwarded-For hop becomes RemoteAddr
// and X-Forwarded-Proto: http is redirected to https; from anyone else the
// X-Forwarded-* headers are deleted. HSTS goes on every https response, and
// X-Served-By on every response, redirects included.
func Middleware(trusted []netip.Prefix, instanceID string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Served-By", instanceID)
		https := r.TLS != nil
		if peer, ok := remoteAddr(r); ok && contains(trusted, peer) {
			if client, ok := clientFromXFF(r.Header.Values("X-Forwarded-For"), trusted); ok {
				r.RemoteAddr = net.JoinHostPort(client.String(), "0")
			}
			switch strings.ToLower(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto"))) {
			case "https":
				https = true
			case "http":
				redirect(w, r, "")
				return
			}
		} else {
			for _, h := range []string{"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "Forwarded", "X-Real-Ip", "X-Request-Id"} {
				r.Header.Del(h)
			}
		}
		if https {
			w.Header().Set("Strict-Transport-Security", HSTSValue)
			r.Header.Set("X-Forwarded-Proto", "https") // lets handlers mark cookies Secure
		}
		next.ServeHTTP(w, r)
	})
}

// RedirectHandler answers the plain-HTTP listener: ACME challenges (when m
// is set) and a 308 to https for everything else, on httpsPort.
func RedirectHandler(m *autocert.Manager, httpsPort, instanceID string) http.Handler {
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { redirect(w, r, httpsPort) })
	if m != nil {
		h = m.HTTPHandler(h)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Served-By", instanceID)
		h.ServeHTTP(w, r)
	})
}

func redirect(w http.ResponseWriter, r *http.Request, port string) {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" && port != "443" {
		host += ":" + port
	}
	http.Redirect(w, r, "https://"+host+r.URL.RequestURI(), http.StatusPermanentRedirect)
}

func remoteAddr(r *http.Request) (netip.Addr, bool) {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}, false
	}
	return ap.Addr().Unmap(), true
}

func contains(ps []netip.Prefix, a netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientFromXFF walks X-Forwarded-For from the right, skipping trusted
// proxies: the first untrusted address is the client. Anything left of it
// was written by the client and cannot be believed.
func clientFromXFF(values []string, trusted []netip.Prefix) (netip.Addr, bool) {
	var hops []string
	for _, v := range values {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return netip.Addr{}, false
		}
		a = a.Unmap()
		if !contains(trusted, a) || i == 0 {
			return a, true
		}
	}
	return netip.Addr{}, false
}

package main

import (
	"crypto/tls"
	"net/http"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/edge/edgetest"
)

// TestTLSAndRedirect serves HTTPS from files, with the plain listener
// redirecting to it, and trusts X-Forwarded-* only from --trusted-proxies.
func TestTLSAndRedirect(t *testing.T) {
	dir := t.TempDir()
	cert, key := edgetest.WriteSelfSigned(t, dir)
	addr, redirect := freeAddr(t), freeAddr(t)
	s := startServerAt(t, "https", addr, "--tls-cert", cert, "--tls-key", key, "--http-redirect-addr", redirect,
		"--instance-id", "tls-1", "--data-dir", dir)
	insecure := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := insecure.Get(s.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Strict-Transport-Security") == "" || resp.Header.Get("X-Served-By") != "tls-1" {
		t.Fatalf("https: %d %v", resp.StatusCode, resp.Header)
	}
	resp, err = insecure.Get("http://" + redirect + "/api/v1/rooms?x=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	_, port := splitPort(addr)
	if resp.StatusCode != http.StatusPermanentRedirect || resp.Header.Get("Location") != "https://127.0.0.1:"+port+"/api/v1/rooms?x=1" ||
		resp.Header.Get("X-Served-By") != "tls-1" {
		t.Fatalf("redirect: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestTrustedProxies(t *testing.T) {
	s := startServer(t, "--trusted-proxies", "127.0.0.1/32")
	req, _ := http.NewRequest("GET", s.URL+"/healthz", nil)
	req.Header.Set("X-Forwarded-Proto", "http")
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusPermanentRedirect {
		t.Fatalf("plain-http request through a trusted proxy: %d, want 308", resp.StatusCode)
	}
	req.Header.Set("X-Forwarded-Proto", "https")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Strict-Transport-Security") == "" {
		t.Fatalf("https through a trusted proxy: %d %v", resp.StatusCode, resp.Header)
	}
	untrusted := startServer(t, "--trusted-proxies", "10.0.0.0/8")
	req, _ = http.NewRequest("GET", untrusted.URL+"/healthz", nil)
	req.Header.Set("X-Forwarded-Proto", "http")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("X-Forwarded-Proto from an untrusted peer was honoured: %d", resp.StatusCode)
	}
}

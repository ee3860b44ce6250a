package mail

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/testenv"
)

// mailpit is a real SMTP server for tests, read back through its HTTP API.
type mailpit struct {
	t        *testing.T
	args     []string
	cmd      *exec.Cmd
	done     chan struct{}
	SMTPAddr string
	api      string
}

// mailpitBin finds mailpit on PATH or in ~/go/bin; without it the test
// skips, except in CI where it must be installed.
func mailpitBin(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("mailpit"); err == nil {
		return p
	}
	if home, err := os.UserHomeDir(); err == nil {
		if p := filepath.Join(home, "go", "bin", "mailpit"); fileExists(p) {
			return p
		}
	}
	testenv.Missing(t, "", "mailpit not installed (go install github.com/axllent/mailpit@v1.33.1)")
	return ""
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startMailpit runs mailpit on loopback with extra flags; it keeps its
// messages in a file so a stop and start (SMTP outage) loses nothing.
func startMailpit(t *testing.T, extra ...string) *mailpit {
	t.Helper()
	bin := mailpitBin(t)
	db := filepath.Join(t.TempDir(), "mailpit.db")
	// A free port can be taken by another process before mailpit binds it
	// (tests run in parallel with other suites): try fresh ports a few times.
	for attempt := 1; ; attempt++ {
		smtpAddr, httpAddr := freePort(t), freePort(t)
		m := &mailpit{t: t, SMTPAddr: smtpAddr, api: "http://" + httpAddr}
		m.args = append([]string{bin, "--smtp", smtpAddr, "--listen", httpAddr, "--database", db,
			"--disable-version-check", "--smtp-disable-rdns", "--quiet"}, extra...)
		if m.tryStart() {
			t.Cleanup(m.stop)
			return m
		}
		if attempt == 3 {
			t.Fatalf("mailpit exited at start-up three times (last on %s)", smtpAddr)
		}
	}
}

// start restarts mailpit on its ports (after stop).
func (m *mailpit) start() {
	m.t.Helper()
	if !m.tryStart() {
		m.t.Fatalf("mailpit exited at start-up on %s", m.SMTPAddr)
	}
}

// tryStart runs mailpit and waits until it answers; false if it exited
// first (its port was taken).
func (m *mailpit) tryStart() bool {
	m.t.Helper()
	m.cmd = exec.Command(m.args[0], m.args[1:]...)
	m.cmd.Stdout, m.cmd.Stderr = os.Stderr, os.Stderr
	if err := m.cmd.Start(); err != nil {
		m.t.Fatal(err)
	}
	m.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { _ = cmd.Wait(); close(done) }(m.cmd, m.done)
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", m.SMTPAddr, time.Second)
		if err == nil {
			c.Close()
			if resp, err := http.Get(m.api + "/api/v1/info"); err == nil {
				resp.Body.Close()
				return true
			}
		}
		select {
		case <-m.done:
			m.cmd = nil
			return false
		default:
		}
		if time.Now().After(deadline) {
			m.t.Fatalf("mailpit did not start on %s", m.SMTPAddr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop ends mailpit (the SMTP server goes down).
func (m *mailpit) stop() {
	if m.cmd == nil {
		return
	}
	_ = m.cmd.Process.Kill()
	<-m.done
	m.cmd = nil
}

type mpAddress struct{ Name, Address string }

type mpSummary struct {
	ID, MessageID, Subject string
	To                     []mpAddress
}

type mpMessage struct {
	ID, MessageID, Subject, Text, HTML string
	From                               mpAddress
	To                                 []mpAddress
}

func (m *mailpit) get(path string, v any) {
	m.t.Helper()
	resp, err := http.Get(m.api + path)
	if err != nil {
		m.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		m.t.Fatalf("GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		m.t.Fatalf("GET %s: %v", path, err)
	}
}

func (m *mailpit) messages() []mpSummary {
	m.t.Helper()
	var r struct{ Messages []mpSummary }
	m.get("/api/v1/messages?limit=500", &r)
	return r.Messages
}

func (m *mailpit) message(id string) mpMessage {
	m.t.Helper()
	var r mpMessage
	m.get("/api/v1/message/"+id, &r)
	return r
}

func (m *mailpit) headers(id string) map[string][]string {
	m.t.Helper()
	var r map[string][]string
	m.get("/api/v1/message/"+id+"/headers", &r)
	return r
}

// waitMessages waits until mailpit holds exactly n messages (SMTP hands a
// message over before mailpit stores it) and returns them.
func (m *mailpit) waitMessages(n int) []mpSummary {
	m.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ms := m.messages()
		if len(ms) == n || time.Now().After(deadline) {
			if len(ms) != n {
				m.t.Fatalf("mailpit holds %d messages, want %d", len(ms), n)
			}
			return ms
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// selfSignedCert writes a certificate for 127.0.0.1 and returns the file
// names of the certificate and key.
func selfSignedCert(t *testing.T) (string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cert, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	write := func(name, typ string, b []byte) {
		if err := os.WriteFile(name, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(cert, "CERTIFICATE", der)
	write(keyFile, "EC PRIVATE KEY", kb)
	return cert, keyFile
}

func smtpURL(format string, m *mailpit) string { return fmt.Sprintf(format, m.SMTPAddr) }

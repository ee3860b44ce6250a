package deploy

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(b)
	stages := regexp.MustCompile(`(?m)^FROM `).FindAllStringIndex(df, -1)
	if len(stages) < 3 {
		t.Fatalf("%d stages, want web, build and runtime", len(stages))
	}
	final := df[stages[len(stages)-1][0]:]
	for _, w := range []struct{ what, re, in string }{
		{"node stage for the web client", `(?m)^FROM node:\S+ AS web`, df},
		{"Go 1.26 build stage", `(?m)^FROM golang:1\.26\S* AS build`, df},
		{"static binary", `CGO_ENABLED=0 go build -trimpath`, df},
		{"non-root user", `(?m)^USER [1-9]\d*`, final},
		{"healthcheck", `(?m)^HEALTHCHECK .*\n?.*/healthz`, final},
		{"entrypoint", `(?m)^ENTRYPOINT \["/usr/local/bin/openchat"\]`, final},
	} {
		if !regexp.MustCompile(w.re).MatchString(w.in) {
			t.Errorf("Dockerfile: missing %s (/%s/)", w.what, w.re)
		}
	}
}

func TestLocalClusterScript(t *testing.T) {
	if out, err := exec.Command("bash", "-n", "local-cluster.sh").CombinedOutput(); err != nil {
		t.Fatalf("bash -n: %v\n%s", err, out)
	}
	out, _ := exec.Command("bash", "local-cluster.sh").CombinedOutput()
	for _, cmd := range []string{"up", "down", "status", "stop", "kill", "start", "restart"} {
		if !strings.Contains(string(out), "local-cluster.sh "+cmd) {
			t.Errorf("usage does not mention %q:\n%s", cmd, out)
		}
	}
}

// writeSelfSigned writes a throwaway certificate for nginx -t.
func writeSelfSigned(t *testing.T, certPath, keyPath string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"localhost"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
}

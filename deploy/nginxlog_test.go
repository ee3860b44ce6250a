package deploy

import (
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// TestNginxAccessLogHasNoTokens runs the local-cluster nginx in front of a
// stand-in instance and reads its access log: the WebSocket's ?token= and
// an unsubscribe link's token never appear in it, other query strings do.
func TestNginxAccessLogHasNoTokens(t *testing.T) {
	bin := nginxBin(t)
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) }))
	defer upstream.Close()
	dir, httpsPort := t.TempDir(), freePort(t)
	path := renderLocalConf(t, dir, freePort(t), httpsPort, strings.TrimPrefix(upstream.URL, "http://"))
	cmd := exec.Command(bin, "-p", filepath.Join(dir, "nginx"), "-c", path, "-g", "daemon off;")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()

	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	base := "https://127.0.0.1:" + httpsPort
	paths := []string{"/api/v1/ws?token=SECRET-WS", "/api/v1/unsubscribe?user=u1&token=SECRET-UNSUB", "/api/v1/rooms/r1/messages?before=51"}
	deadline := time.Now().Add(10 * time.Second)
	for _, p := range paths {
		for {
			resp, err := client.Get(base + p)
			if err == nil {
				resp.Body.Close()
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("nginx does not answer: %v", err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	logPath := filepath.Join(dir, "logs", "nginx-access.log")
	var log string
	for time.Now().Before(deadline) { // nginx writes the line after the response
		lb, _ := os.ReadFile(logPath)
		if log = string(lb); strings.Count(log, "\n") >= len(paths) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if strings.Contains(log, "SECRET") {
		t.Fatalf("the access log records tokens:\n%s", log)
	}
	for _, want := range []string{"GET /api/v1/ws?[redacted] ", "GET /api/v1/unsubscribe?[redacted] ", "GET /api/v1/rooms/r1/messages?before=51 "} {
		if !strings.Contains(log, want) {
			t.Errorf("access log lacks %q:\n%s", want, log)
		}
	}
}

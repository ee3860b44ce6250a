package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/testlog"
)

// server is an openchat started through run() on a free port.
type server struct {
	URL  string
	stop func()
	logs *testlog.Buffer
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServer runs `openchat serve` with args (plus a free --addr and, unless
// given, a temporary --data-dir) and waits until /readyz answers 200. The
// server is stopped at cleanup; stop() stops it earlier (idempotent).
func startServer(t *testing.T, args ...string) *server {
	t.Helper()
	return startServerAt(t, "http", freeAddr(t), args...)
}

func splitPort(addr string) (string, string) {
	h, p, _ := net.SplitHostPort(addr)
	return h, p
}

// startServerAt is startServer with a given scheme and address.
func startServerAt(t *testing.T, scheme, addr string, args ...string) *server {
	t.Helper()
	return startServerEnv(t, scheme, addr, nil, args...)
}

// startServerEnv is startServerAt with environment variables.
func startServerEnv(t *testing.T, scheme, addr string, env map[string]string, args ...string) *server {
	t.Helper()
	full := append([]string{"serve", "--addr", addr, "--log-level", "warn"}, args...)
	if !strings.Contains(strings.Join(args, " "), "--data-dir") {
		full = append(full, "--data-dir", t.TempDir())
	}
	ctx, cancel := context.WithCancel(context.Background())
	logs := &testlog.Buffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, full, func(k string) string { return env[k] }, io.Discard, logs) }()
	var once sync.Once
	s := &server{URL: scheme + "://" + addr, logs: logs}
	get := http.Get
	if scheme == "https" {
		insecure := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
		get = insecure.Get
	}
	s.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("server %s: %v\n%s", addr, err, logs)
				}
			case <-time.After(30 * time.Second):
				t.Errorf("server %s did not stop", addr)
			}
		})
	}
	t.Cleanup(s.stop)
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-done:
			t.Fatalf("server exited early: %v\n%s", err, logs)
		default:
		}
		resp, err := get(s.URL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready: %v\n%s", err, logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// client calls the JSON API with an optional bearer token.
type client struct {
	t     *testing.T
	base  string
	token string
}

type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

func (c *client) do(method, path string, body any) response {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// must asserts the status and decodes the body into v (if not nil).
func (c *client) must(status int, method, path string, body, v any) response {
	c.t.Helper()
	r := c.do(method, path, body)
	if r.Status != status {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.Status, status, r.Body)
	}
	if v != nil {
		r.decode(c.t, v)
	}
	return r
}

var userSeq struct {
	sync.Mutex
	n int
}

// signUp creates a fresh user on base and returns a signed-in client.
func signUp(t *testing.T, base, name string) *client {
	t.Helper()
	userSeq.Lock()
	userSeq.n++
	name = fmt.Sprintf("%s%d", name, userSeq.n)
	userSeq.Unlock()
	c := &client{t: t, base: base}
	c.must(201, "POST", "/api/v1/users", map[string]string{"username": name, "email": name + "@example.org", "password": "correct horse battery"}, nil)
	var s struct{ Token string }
	c.must(201, "POST", "/api/v1/sessions", map[string]string{"username": name, "password": "correct horse battery"}, &s)
	c.token = s.Token
	return c
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

//go:build cluster

package clustertest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// cluster is a running local-cluster.sh topology.
type cluster struct {
	repo, script string
	env          map[string]string // the script's state file
	base         string            // https://127.0.0.1:HTTPS_PORT: nginx, the only way in
	httpBase     string            // http://127.0.0.1:HTTP_PORT: redirects
	nodes        int
	nextIP       atomic.Uint32 // source addresses handed to clients

	mu       sync.Mutex
	failures []string // broken guarantees, repeated after the logs so a log excerpt ends with them
}

// startCluster builds the binary if needed and runs `local-cluster.sh up`.
func startCluster(t *testing.T) *cluster {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	repo := filepath.Clean(filepath.Join(wd, "..", ".."))
	c := &cluster{repo: repo, script: filepath.Join(repo, "deploy", "local-cluster.sh")}
	bin := os.Getenv("OPENCHAT_BIN")
	if bin == "" {
		bin = filepath.Join(repo, "bin", "openchat")
	}
	if _, err := os.Stat(bin); err != nil {
		t.Logf("building %s", bin)
		cmd := exec.Command("go", "build", "-trimpath", "-o", bin, "./cmd/openchat")
		cmd.Dir = repo
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
	}
	t.Setenv("OPENCHAT_BIN", bin)
	c.sh(t, "down") // leftovers of an interrupted run
	if out, err := c.run("up"); err != nil {
		c.dumpLogs(t)
		t.Fatalf("local-cluster.sh up: %v\n%s", err, out)
	}
	out, err := c.run("env")
	if err != nil {
		t.Fatalf("local-cluster.sh env: %v", err)
	}
	c.env = map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			c.env[k] = v
		}
	}
	c.base = "https://127.0.0.1:" + c.env["HTTPS_PORT"]
	c.httpBase = "http://127.0.0.1:" + c.env["HTTP_PORT"]
	fmt.Sscan(c.env["NODES"], &c.nodes)
	t.Cleanup(func() {
		if t.Failed() {
			c.dumpLogs(t)
			c.mu.Lock()
			for _, f := range c.failures {
				t.Log("FAILED: " + f)
			}
			c.mu.Unlock()
		}
		if os.Getenv("OPENCHAT_CLUSTER_KEEP") == "1" {
			t.Logf("cluster left running: %s status", c.script)
			return
		}
		c.sh(t, "down")
	})
	return c
}

func (c *cluster) run(args ...string) (string, error) {
	cmd := exec.Command("bash", append([]string{c.script}, args...)...)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err := cmd.Run()
	return buf.String(), err
}

// sh runs a script command and fails the test if it fails.
func (c *cluster) sh(t *testing.T, args ...string) {
	t.Helper()
	start := time.Now()
	out, err := c.run(args...)
	if err != nil {
		t.Fatalf("local-cluster.sh %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	t.Logf("local-cluster.sh %s (%s)", strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
}

// dumpLogs prints the tail of every component's log.
func (c *cluster) dumpLogs(t *testing.T) {
	dir := c.env["DIR"]
	if dir == "" {
		dir = os.Getenv("OPENCHAT_CLUSTER_DIR")
	}
	if dir == "" {
		dir = "/tmp/openchat-cluster"
	}
	logs, _ := filepath.Glob(filepath.Join(dir, "logs", "*.log"))
	for _, l := range logs {
		b, _ := os.ReadFile(l)
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(lines) > 25 {
			lines = lines[len(lines)-25:]
		}
		t.Logf("--- %s (last %d lines)\n%s", l, len(lines), strings.Join(lines, "\n"))
	}
	// The servers' warnings and errors, which the tails may have scrolled past.
	for _, l := range logs {
		b, _ := os.ReadFile(l)
		var bad []string
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR") {
				bad = append(bad, line)
			}
		}
		if len(bad) > 15 {
			bad = bad[len(bad)-15:]
		}
		if len(bad) > 0 {
			t.Logf("--- %s: last %d warnings\n%s", l, len(bad), strings.Join(bad, "\n"))
		}
	}
}

// sourceIP hands out a distinct loopback address per simulated user: the
// servers rate-limit sign-ups per client IP, which they read from nginx's
// X-Forwarded-For (so this also exercises --trusted-proxies).
func (c *cluster) sourceIP() net.IP {
	n := c.nextIP.Add(1)
	return net.IPv4(127, 1, byte(n>>8), byte(n))
}

// client is an HTTP client through nginx, from source address ip (nil: any).
func (c *cluster) client(ip net.IP, timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	if ip != nil {
		d.LocalAddr = &net.TCPAddr{IP: ip}
	}
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			DialContext: d.DialContext,
			// The local cluster's certificate is self-signed.
			TLSClientConfig:     &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // test cluster
			MaxIdleConnsPerHost: 16,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// apiResult is one HTTP exchange.
type apiResult struct {
	status   int
	servedBy string
	body     []byte
	elapsed  time.Duration
	err      error
}

func (r apiResult) String() string {
	if r.err != nil {
		return fmt.Sprintf("error after %s: %v", r.elapsed.Round(time.Millisecond), r.err)
	}
	b := r.body
	if len(b) > 200 {
		b = b[:200]
	}
	return fmt.Sprintf("%d from %q after %s: %s", r.status, r.servedBy, r.elapsed.Round(time.Millisecond), bytes.TrimSpace(b))
}

// errorCode is the code of a JSON error body, "" if the body is not one.
func (r apiResult) errorCode() string {
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	if json.Unmarshal(r.body, &e) != nil {
		return ""
	}
	return e.Error.Code
}

func do(ctx context.Context, hc *http.Client, method, url, token string, in any) apiResult {
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return apiResult{err: err}
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return apiResult{err: err, elapsed: time.Since(start)}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return apiResult{status: resp.StatusCode, servedBy: resp.Header.Get("X-Served-By"), body: b,
		elapsed: time.Since(start), err: err}
}

// user is a signed-up account with its session token and source address.
type user struct {
	name, email, token string
	ip                 net.IP
}

// signUp creates a user and signs in, through nginx.
func (c *cluster) signUp(ctx context.Context, t *testing.T, name string) *user {
	t.Helper()
	u := &user{name: name, email: name + "@example.test", ip: c.sourceIP()}
	hc := c.client(u.ip, 20*time.Second)
	r := do(ctx, hc, "POST", c.base+"/api/v1/users", "",
		map[string]string{"username": name, "email": u.email, "password": "correct horse battery staple"})
	if r.err != nil || r.status != http.StatusCreated {
		t.Fatalf("sign up %s: %v", name, r)
	}
	r = do(ctx, hc, "POST", c.base+"/api/v1/sessions", "",
		map[string]string{"username": name, "password": "correct horse battery staple"})
	if r.err != nil || r.status != http.StatusCreated {
		t.Fatalf("sign in %s: %v", name, r)
	}
	var s struct{ Token string }
	if err := json.Unmarshal(r.body, &s); err != nil || s.Token == "" {
		t.Fatalf("sign in %s: no token in %s", name, r.body)
	}
	u.token = s.Token
	return u
}

// createRoom creates a room and returns its id.
func (c *cluster) createRoom(ctx context.Context, t *testing.T, u *user, name string) string {
	t.Helper()
	r := do(ctx, c.client(u.ip, 20*time.Second), "POST", c.base+"/api/v1/rooms", u.token, map[string]string{"name": name})
	if r.err != nil || r.status != http.StatusCreated {
		t.Fatalf("create room %s: %v", name, r)
	}
	var out struct{ Room struct{ ID string } }
	if err := json.Unmarshal(r.body, &out); err != nil || out.Room.ID == "" {
		t.Fatalf("create room %s: %s", name, r.body)
	}
	return out.Room.ID
}

// message is the part of a message object the tests look at.
type message struct {
	ID       string `json:"id"`
	RoomID   string `json:"room_id"`
	Seq      int64  `json:"seq"`
	Body     string `json:"body"`
	ClientID string `json:"client_id"`
}

// lastSeq reads a room's newest seq over HTTP.
func (c *cluster) lastSeq(ctx context.Context, u *user, room string) (int64, error) {
	r := do(ctx, c.client(u.ip, 10*time.Second), "GET", c.base+"/api/v1/rooms/"+room+"/messages?limit=1", u.token, nil)
	if r.err != nil || r.status != http.StatusOK {
		return 0, fmt.Errorf("latest message of %s: %v", room, r)
	}
	var out struct{ Messages []message }
	if err := json.Unmarshal(r.body, &out); err != nil {
		return 0, err
	}
	if len(out.Messages) == 0 {
		return 0, nil
	}
	return out.Messages[len(out.Messages)-1].Seq, nil
}

// fail reports a broken guarantee and keeps it for the end of the output.
func (c *cluster) fail(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	t.Error(msg)
	c.mu.Lock()
	c.failures = append(c.failures, t.Name()+": "+msg)
	c.mu.Unlock()
}

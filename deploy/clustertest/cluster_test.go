//go:build cluster

package clustertest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// Fault timing.
const (
	warmUp      = 4 * time.Second // conversation before a fault
	outage      = 6 * time.Second // Redis or PostgreSQL down
	recovery    = 8 * time.Second // conversation after a fault
	probeLimit  = 5 * time.Second // an API request during an outage must end within this
	loadUsers   = 40              // the 200 clients share these accounts
	mailWait    = 30 * time.Second
	mailQuietly = 6 * time.Second // after the first mention e-mail, no second one may come
)

func TestCluster(t *testing.T) {
	c := startCluster(t)
	ctx := t.Context()
	stamp := fmt.Sprintf("%x", time.Now().UnixNano()%(1<<24))
	var users []*user
	for i := range loadUsers {
		users = append(users, c.signUp(ctx, t, fmt.Sprintf("u%s-%d", stamp, i)))
	}
	mentioned := c.signUp(ctx, t, "mentioned-"+stamp)
	verifyEmail(ctx, t, c, mentioned) // unverified addresses get no mention e-mail

	t.Run("http_redirects_to_https", func(t *testing.T) { testRedirect(ctx, t, c) })
	t.Run("served_by_several_instances", func(t *testing.T) { testServedBy(ctx, t, c) })
	t.Run("websocket_across_instances", func(t *testing.T) { testCrossInstance(ctx, t, c, users[0]) })

	t.Run("sigkill", func(t *testing.T) {
		l := startLoad(ctx, t, c, users, "sigkill")
		time.Sleep(warmUp)
		c.sh(t, "kill", "2")
		time.Sleep(recovery)
		c.sh(t, "start", "2")
		// The mention goes out while the conversation runs.
		r := do(ctx, c.client(users[1].ip, probeLimit), "POST", c.base+"/api/v1/rooms/"+l.rooms[0].id+"/messages",
			users[1].token, map[string]string{"body": "hello @" + mentioned.name + ", see this", "client_id": "mention-" + stamp})
		if r.err != nil || r.status != http.StatusCreated {
			t.Errorf("post mention: %v", r)
		} else {
			ackHTTP(l.rooms[0], r)
		}
		time.Sleep(warmUp)
		l.finish(ctx, t, users[0]).check(t, "sigkill", "unavailable")
	})

	t.Run("rolling_restart", func(t *testing.T) {
		l := startLoad(ctx, t, c, users, "rolling")
		time.Sleep(warmUp)
		for n := 1; n <= c.nodes; n++ {
			c.sh(t, "stop", fmt.Sprint(n))
			c.sh(t, "start", fmt.Sprint(n))
			time.Sleep(3 * time.Second)
		}
		l.finish(ctx, t, users[0]).check(t, "rolling_restart", "")
	})

	for _, dep := range []string{"redis", "postgres"} {
		t.Run(dep+"_restart", func(t *testing.T) {
			l := startLoad(ctx, t, c, users, dep)
			time.Sleep(warmUp)
			c.sh(t, "stop", dep)
			probeOutage(ctx, t, c, users[2], l.rooms[1], dep)
			c.sh(t, "start", dep)
			time.Sleep(recovery)
			l.finish(ctx, t, users[0]).check(t, dep+"_restart", "unavailable")
		})
	}

	t.Run("mention_email", func(t *testing.T) { testMentionMail(ctx, t, c, mentioned) })
}

func testRedirect(ctx context.Context, t *testing.T, c *cluster) {
	r, err := http.NewRequestWithContext(ctx, "GET", c.httpBase+"/api/v1/rooms?x=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.client(nil, 5*time.Second).Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want := c.base + "/api/v1/rooms?x=1"
	if resp.StatusCode != http.StatusPermanentRedirect && resp.StatusCode != http.StatusMovedPermanently {
		t.Errorf("status %d, want 308 or 301", resp.StatusCode)
	}
	if got := resp.Header.Get("Location"); got != want {
		t.Errorf("Location %q, want %q", got, want)
	}
}

func testServedBy(ctx context.Context, t *testing.T, c *cluster) {
	hc := c.client(nil, 5*time.Second)
	seen := map[string]int{}
	var hsts string
	for range 30 {
		r := do(ctx, hc, "GET", c.base+"/healthz", "", nil)
		if r.err != nil || r.status != http.StatusOK {
			t.Fatalf("GET /healthz through nginx: %v", r)
		}
		seen[r.servedBy]++
		req, _ := http.NewRequestWithContext(ctx, "GET", c.base+"/healthz", nil)
		if resp, err := hc.Do(req); err == nil {
			hsts = resp.Header.Get("Strict-Transport-Security")
			resp.Body.Close()
		}
	}
	t.Logf("X-Served-By over 30 requests: %v", seen)
	delete(seen, "")
	if len(seen) < 2 {
		t.Errorf("responses came from %d instance(s), want at least 2", len(seen))
	}
	// nginx sends X-Forwarded-Proto: https from a trusted proxy address, so
	// the server knows the request was https (--trusted-proxies).
	if hsts == "" {
		t.Error("no Strict-Transport-Security on an https response: X-Forwarded-Proto from the trusted proxy was not honoured")
	}
}

// testCrossInstance: a WebSocket client on one instance receives a message
// posted over HTTP through nginx to another instance.
func testCrossInstance(ctx context.Context, t *testing.T, c *cluster, u *user) {
	roomID := c.createRoom(ctx, t, u, "cross-"+fmt.Sprint(time.Now().UnixNano()))
	dctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	ch := &chatter{c: c}
	conn, _, err := websocket.Dial(dctx, ch.wsURL(), &websocket.DialOptions{HTTPClient: c.client(u.ip, dialTimeout),
		HTTPHeader: http.Header{"Authorization": {"Bearer " + u.token}}})
	if err != nil {
		t.Fatalf("dial through nginx: %v", err)
	}
	defer conn.CloseNow()
	read := func() serverFrame {
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		_, b, err := conn.Read(rctx)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		var f serverFrame
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatalf("frame %s: %v", b, err)
		}
		return f
	}
	hello := read()
	if hello.Type != "hello" || hello.Instance == "" {
		t.Fatalf("first frame %+v, want hello with the instance", hello)
	}
	b, _ := json.Marshal(map[string]any{"type": "subscribe", "room_id": roomID})
	if err := conn.Write(ctx, websocket.MessageText, b); err != nil {
		t.Fatal(err)
	}
	for f := read(); f.Type != "subscribed"; f = read() {
	}
	hc := c.client(u.ip, 5*time.Second)
	var posted string
	for i := range 30 {
		r := do(ctx, hc, "POST", c.base+"/api/v1/rooms/"+roomID+"/messages", u.token, map[string]string{"body": fmt.Sprint("cross ", i)})
		if r.err != nil || r.status != http.StatusCreated {
			t.Fatalf("post: %v", r)
		}
		if r.servedBy != hello.Instance {
			var out struct{ Message message }
			_ = json.Unmarshal(r.body, &out)
			posted = out.Message.ID
			t.Logf("WebSocket on %s, message posted through %s", hello.Instance, r.servedBy)
			break
		}
	}
	if posted == "" {
		t.Fatalf("30 posts all served by %s, the WebSocket's instance", hello.Instance)
	}
	for {
		f := read()
		if f.Type == "message" {
			if m, _ := f.msg(); m.ID == posted {
				return
			}
		}
	}
}

// ackHTTP records a 201 answer to a POST as an acknowledged message.
func ackHTTP(r *room, res apiResult) {
	var out struct{ Message message }
	if json.Unmarshal(res.body, &out) == nil && out.Message.Seq > 0 {
		r.ack(out.Message.Seq, out.Message.ClientID)
	}
}

// probeOutage asks the API through nginx while dep is down: every request
// must end within probeLimit with a success or a 503 JSON error (never a
// hang, a 500 or nginx's 502/504); while PostgreSQL is down a post cannot
// succeed, so it must be a 503.
func probeOutage(ctx context.Context, t *testing.T, c *cluster, u *user, r *room, dep string) {
	t.Helper()
	hc := c.client(u.ip, probeLimit+time.Second)
	statuses := map[string]int{}
	failures := map[string]string{} // kind of failure → first example
	end := time.Now().Add(outage)
	for i := 0; time.Now().Before(end); i++ {
		for _, p := range []struct {
			method, path string
			body         any
		}{
			{"GET", "/api/v1/rooms", nil},
			{"GET", "/api/v1/rooms/" + r.id + "/messages?limit=5", nil},
			{"POST", "/api/v1/rooms/" + r.id + "/messages", map[string]string{"body": fmt.Sprintf("during %s outage %d", dep, i),
				"client_id": fmt.Sprintf("probe-%s-%d", dep, i)}},
			{"GET", "/readyz", nil},
		} {
			res := do(ctx, hc, p.method, c.base+p.path, u.token, p.body)
			key := p.method + " " + strings.SplitN(strings.TrimPrefix(p.path, "/api/v1/rooms/"+r.id), "?", 2)[0]
			fail := func(what string) {
				k := key + ": " + what
				if _, ok := failures[k]; !ok {
					failures[k] = res.String()
				}
				statuses[k]++
			}
			switch {
			case res.err != nil || res.elapsed > probeLimit:
				fail("hung")
				continue
			case res.status == http.StatusServiceUnavailable:
				if res.errorCode() != "unavailable" {
					fail(`503 without the JSON error {"error":{"code":"unavailable"}}`)
				}
			case res.status >= 200 && res.status < 300:
				if dep == "postgres" && p.method == "POST" {
					fail("a post succeeded without the database")
				}
				if p.method == "POST" {
					ackHTTP(r, res)
				}
			default:
				fail("want 2xx or 503 JSON")
			}
			statuses[fmt.Sprintf("%s %d", key, res.status)]++
		}
		time.Sleep(500 * time.Millisecond)
	}
	for k, example := range failures {
		t.Errorf("%s outage: %s (%d times), e.g. %s", dep, k, statuses[k], example)
	}
	t.Logf("%s outage: API answers %v", dep, statuses)
}

type mailpitList struct {
	Messages []struct {
		ID        string
		MessageID string
		Subject   string
		To        []struct{ Address string }
	}
}

// mailpitGet decodes a mailpit API answer.
func mailpitGet(ctx context.Context, t *testing.T, c *cluster, path string, v any) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", c.env["MAILPIT_URL"]+path, nil)
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("mailpit: %v", err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("mailpit %s: %v", path, err)
	}
}

var verifyLink = regexp.MustCompile(`/api/v1/verify-email\?[^\s"<>]+`)

// verifyEmail follows the link of u's verification e-mail (through nginx,
// with the POST the confirmation page sends).
func verifyEmail(ctx context.Context, t *testing.T, c *cluster, u *user) {
	t.Helper()
	deadline := time.Now().Add(mailWait)
	for time.Now().Before(deadline) {
		var l mailpitList
		mailpitGet(ctx, t, c, "/api/v1/messages?limit=1000", &l)
		for _, m := range l.Messages {
			if len(m.To) == 0 || !strings.EqualFold(m.To[0].Address, u.email) || !strings.Contains(m.Subject, "Confirm") {
				continue
			}
			var full struct{ Text string }
			mailpitGet(ctx, t, c, "/api/v1/message/"+m.ID, &full)
			link := verifyLink.FindString(full.Text)
			if link == "" {
				t.Fatalf("no verification link in %q", full.Text)
			}
			r := do(ctx, c.client(u.ip, 20*time.Second), "POST", c.base+link, "", nil)
			if r.err != nil || r.status >= 300 {
				t.Fatalf("verify %s: %v", u.email, r)
			}
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("no verification e-mail to %s after %s", u.email, mailWait)
}

// testMentionMail: the mention posted during the sigkill scenario produced
// exactly one mention e-mail in mailpit.
func testMentionMail(ctx context.Context, t *testing.T, c *cluster, u *user) {
	hc := &http.Client{Timeout: 5 * time.Second}
	count := func() (int, []string) {
		req, _ := http.NewRequestWithContext(ctx, "GET", c.env["MAILPIT_URL"]+"/api/v1/messages?limit=1000", nil)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("mailpit: %v", err)
		}
		defer resp.Body.Close()
		var l mailpitList
		if err := json.NewDecoder(resp.Body).Decode(&l); err != nil {
			t.Fatalf("mailpit: %v", err)
		}
		n := 0
		var ids []string
		for _, m := range l.Messages {
			for _, to := range m.To {
				if strings.EqualFold(to.Address, u.email) && strings.Contains(m.Subject, "mentioned you") {
					n++
					ids = append(ids, m.MessageID+" "+m.Subject)
				}
			}
		}
		return n, ids
	}
	deadline := time.Now().Add(mailWait)
	n, _ := count()
	for n == 0 && time.Now().Before(deadline) {
		time.Sleep(500 * time.Millisecond)
		n, _ = count()
	}
	if n == 0 {
		t.Fatalf("no e-mail to %s in mailpit after %s", u.email, mailWait)
	}
	time.Sleep(mailQuietly)
	n, ids := count()
	line := fmt.Sprintf("mention e-mails to %s: %d %v", u.email, n, ids)
	t.Log(line)
	fmt.Println("fault=none check=mention_email emails=" + fmt.Sprint(n))
	if n != 1 {
		t.Errorf("want exactly one e-mail: %s", line)
	}
}

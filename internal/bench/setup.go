package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Setup limits.
const (
	// SetupConcurrency bounds parallel sign-ups and room creations: each
	// sign-up costs the server a password hash (19 MiB of argon2 memory),
	// and what the hashing leaves in the server's heap inflates its RSS.
	SetupConcurrency = 2
	// MaxRetries429 is how often one setup request is retried after 429.
	MaxRetries429 = 5
	// RequestTimeout bounds one HTTP request of the setup.
	RequestTimeout = 60 * time.Second
	// BenchPassword is the password of every bench user.
	BenchPassword = "bench-password-0"
)

// api calls the HTTP API of one server.
type api struct {
	base    string
	dialers *dialers
	// spread gives each user its own source address in 127.1.0.0/16 so the
	// server's per-IP limit on sign-ups and sign-ins is not the bottleneck
	// (loopback servers only).
	spread bool
}

func newAPI(base string, d *dialers) *api {
	return &api{base: strings.TrimRight(base, "/"), dialers: d, spread: isLoopback(base)}
}

// isLoopback reports whether the URL's host is a loopback address or name.
func isLoopback(base string) bool {
	u, err := url.Parse(base)
	if err != nil {
		return false
	}
	h := u.Hostname()
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// setupIP is the source address used for user i's sign-up and sign-in.
func setupIP(i int) string {
	return fmt.Sprintf("127.%d.%d.%d", 1+i/(254*256), (i/254)%256, i%254+1)
}

// do sends a JSON request and decodes a JSON answer into out.
func (a *api) do(ctx context.Context, srcIP, method, path, token string, in, out any) (int, error) {
	var body []byte
	if in != nil {
		body, _ = json.Marshal(in)
	}
	hc := a.dialers.client(srcIP)
	for attempt := 0; ; attempt++ {
		rctx, cancel := context.WithTimeout(ctx, RequestTimeout)
		req, err := http.NewRequestWithContext(rctx, method, a.base+path, bytes.NewReader(body))
		if err != nil {
			cancel()
			return 0, err
		}
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := hc.Do(req)
		if err != nil {
			cancel()
			return 0, fmt.Errorf("%s %s: %w", method, path, err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		if err != nil {
			return 0, fmt.Errorf("%s %s: %w", method, path, err)
		}
		if resp.StatusCode == http.StatusTooManyRequests && attempt < MaxRetries429 {
			wait, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			select {
			case <-time.After(time.Duration(max(wait, 1)) * time.Second):
				continue
			case <-ctx.Done():
				return 0, ctx.Err()
			}
		}
		if resp.StatusCode/100 == 2 && out != nil {
			if err := json.Unmarshal(b, out); err != nil {
				return resp.StatusCode, fmt.Errorf("%s %s: %w", method, path, err)
			}
		}
		if resp.StatusCode/100 != 2 && resp.StatusCode != http.StatusConflict {
			return resp.StatusCode, fmt.Errorf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, bytes.TrimSpace(b))
		}
		return resp.StatusCode, nil
	}
}

// signIn makes sure user i exists and returns a session token and the
// user's id.
func (a *api) signIn(ctx context.Context, prefix string, i int) (token, userID string, err error) {
	src := ""
	if a.spread {
		src = setupIP(i)
	}
	name := fmt.Sprintf("%s%04d", prefix, i)
	user := map[string]string{"username": name, "email": name + "@bench.example.org", "password": BenchPassword}
	if _, err := a.do(ctx, src, http.MethodPost, "/api/v1/users", "", user, nil); err != nil {
		return "", "", err
	}
	var s struct {
		Token string `json:"token"`
		User  struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	if _, err := a.do(ctx, src, http.MethodPost, "/api/v1/sessions", "", map[string]string{"username": name, "password": BenchPassword}, &s); err != nil {
		return "", "", err
	}
	if s.Token == "" {
		return "", "", fmt.Errorf("sign in %s: no token", name)
	}
	return s.Token, s.User.ID, nil
}

// ensureRoom creates room name, or finds it when it exists (409).
func (a *api) ensureRoom(ctx context.Context, token, name string, existing func() (map[string]string, error)) (string, error) {
	var r struct {
		Room struct {
			ID string `json:"id"`
		} `json:"room"`
	}
	code, err := a.do(ctx, "", http.MethodPost, "/api/v1/rooms", token, map[string]string{"name": name}, &r)
	if err != nil {
		return "", err
	}
	if code == http.StatusConflict {
		m, err := existing()
		if err != nil {
			return "", err
		}
		if id, ok := m[strings.ToLower(name)]; ok {
			return id, nil
		}
		return "", fmt.Errorf("room %q: conflict but not listed", name)
	}
	return r.Room.ID, nil
}

// rooms lists the rooms by lower-case name.
func (a *api) rooms(ctx context.Context, token string) (map[string]string, error) {
	var l struct {
		Rooms []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"rooms"`
	}
	if _, err := a.do(ctx, "", http.MethodGet, "/api/v1/rooms", token, nil, &l); err != nil {
		return nil, err
	}
	m := make(map[string]string, len(l.Rooms))
	for _, r := range l.Rooms {
		m[strings.ToLower(r.Name)] = r.ID
	}
	return m, nil
}

// parallel runs f(0…n-1) with the given number of workers; the first error wins.
func parallel(ctx context.Context, n, workers int, f func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := f(ctx, i); err != nil {
					cancel(err)
				}
			}
		}()
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	return context.Cause(ctx)
}

// setup signs in users and ensures rooms, returning tokens, user ids and
// room ids.
func setup(ctx context.Context, a *api, userPrefix string, users int, roomPrefix string, rooms int) (tokens, userIDs, roomIDs []string, err error) {
	tokens, userIDs = make([]string, users), make([]string, users)
	if err := parallel(ctx, users, SetupConcurrency, func(ctx context.Context, i int) (err error) {
		tokens[i], userIDs[i], err = a.signIn(ctx, userPrefix, i)
		return err
	}); err != nil {
		return nil, nil, nil, fmt.Errorf("users: %w", err)
	}
	var (
		once  sync.Once
		known map[string]string
		kerr  error
	)
	existing := func() (map[string]string, error) {
		once.Do(func() { known, kerr = a.rooms(ctx, tokens[0]) })
		return known, kerr
	}
	ids := make([]string, rooms)
	if err := parallel(ctx, rooms, SetupConcurrency, func(ctx context.Context, i int) (err error) {
		ids[i], err = a.ensureRoom(ctx, tokens[0], fmt.Sprintf("%s%04d", roomPrefix, i), existing)
		if err == nil && !plainID(ids[i]) {
			err = fmt.Errorf("room id %q is not a plain id", ids[i])
		}
		return err
	}); err != nil {
		return nil, nil, nil, fmt.Errorf("rooms: %w", err)
	}
	return tokens, userIDs, ids, nil
}

// plainID reports whether s can be written into a JSON string unescaped.
func plainID(s string) bool {
	for _, r := range s {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return false
		}
	}
	return s != ""
}

// JoinConcurrency bounds parallel joins (cheap requests, unlike sign-ups).
const JoinConcurrency = 8

// poster is a user that posts in a room during the measured phase.
type poster struct{ user, room int }

// posters lists the (user, room) pairs that send in the measured phase, by
// index into the setup's users and rooms: ingest connection i sends as
// user userOf(i) to room i%rooms; fan-out message k goes from publisher
// k%publishers (user publisher%users) to room k%rooms, a pattern that
// repeats every lcm(publishers, rooms) messages.
func (c Config) posters() []poster {
	seen := map[poster]bool{}
	var out []poster
	add := func(p poster) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	switch c.Scenario {
	case ScenarioIngest:
		for i := range c.Conns {
			add(poster{userOf(i, c.Rooms, c.Users), i % c.Rooms})
		}
	case ScenarioFanout, ScenarioStorm:
		n := c.publishers()
		period := n / gcd(n, c.Rooms) * c.Rooms
		for k := range period {
			add(poster{(k % n) % c.Users, k % c.Rooms})
		}
	}
	return out
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// joinRooms makes every poster a member of its room before the measured
// phase, as the people who talk in a room are in a live chat (posting to a
// public room would join it, and the measured phase would also measure
// the joins: a membership row, a room_added frame to each of the user's
// connections). A server without memberships (404 or 405 on the first
// join) is left as it is.
func joinRooms(ctx context.Context, a *api, tokens, userIDs, roomIDs []string, posters []poster) (joined int, err error) {
	if len(posters) == 0 {
		return 0, nil
	}
	join := func(ctx context.Context, p poster) (int, error) {
		path := "/api/v1/rooms/" + url.PathEscape(roomIDs[p.room]) + "/members/" + url.PathEscape(userIDs[p.user])
		return a.do(ctx, "", http.MethodPut, path, tokens[p.user], nil, nil)
	}
	code, err := join(ctx, posters[0])
	if code == http.StatusNotFound || code == http.StatusMethodNotAllowed {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("join: %w", err)
	}
	rest := posters[1:]
	if err := parallel(ctx, len(rest), JoinConcurrency, func(ctx context.Context, i int) error {
		_, err := join(ctx, rest[i])
		return err
	}); err != nil {
		return 0, fmt.Errorf("join: %w", err)
	}
	return len(posters), nil
}

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// dialFrom opens a TCP connection to the server from a loopback source
// address, so one test can play several clients.
func dialFrom(t *testing.T, srv *server, ip string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	nc, err := d.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = nc.Close() })
	return nc
}

// clientFrom is an HTTP client whose connections come from ip.
func clientFrom(ip string, timeout time.Duration) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Client{Timeout: timeout, Transport: &http.Transport{DialContext: d.DialContext}}
}

// served sends a keep-alive GET /healthz on nc and reports whether it was
// answered (the connection stays open, idle) or the connection was closed.
func served(t *testing.T, nc net.Conn) bool {
	t.Helper()
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(nc, "GET /healthz HTTP/1.1\r\nHost: openchat\r\n\r\n"); err != nil {
		return false
	}
	resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == 200
}

// holdAll opens connections from ip until the server refuses one and
// returns those it kept.
func holdAll(t *testing.T, srv *server, ip string, atMost int) []net.Conn {
	t.Helper()
	var held []net.Conn
	for range atMost {
		nc := dialFrom(t, srv, ip)
		if !served(t, nc) {
			return held
		}
		held = append(held, nc)
	}
	t.Fatalf("%s held %d connections and was never refused", ip, atMost)
	return nil
}

// othersServed checks that another address still gets its answer while
// one address holds all it may (1 s is the client's timeout, not a
// measurement).
func othersServed(t *testing.T, srv *server, ip string) {
	t.Helper()
	resp, err := clientFrom(ip, time.Second).Get(srv.URL + "/healthz")
	if err != nil {
		t.Fatalf("%s was not served: %v", ip, err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("%s: status %d", ip, resp.StatusCode)
	}
}

// One address may hold --max-conns-per-ip connections, idle keep-alive
// ones included; the next is closed at accept, others are still served,
// and a closed connection frees its place.
func TestMaxConnsPerIP(t *testing.T) {
	srv := startServer(t, "--max-conns-per-ip", "5")
	held := holdAll(t, srv, "127.0.0.2", 50)
	if len(held) != 5 {
		t.Fatalf("127.0.0.2 held %d connections, want 5", len(held))
	}
	othersServed(t, srv, "127.0.0.3")
	_ = held[0].Close()
	deadline := time.Now().Add(10 * time.Second)
	for !served(t, dialFrom(t, srv, "127.0.0.2")) {
		if time.Now().After(deadline) {
			t.Fatal("a closed connection did not free its place")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Under the process-wide cap, one address gets at most three quarters of
// it whatever --max-conns-per-ip says, so another address is still served.
func TestMaxConnsLeavesRoomForOthers(t *testing.T) {
	srv := startServer(t, "--max-conns", "20", "--max-conns-per-ip", "1000")
	if held := holdAll(t, srv, "127.0.0.2", 50); len(held) != 15 {
		t.Fatalf("127.0.0.2 held %d connections, want 15 (3/4 of 20)", len(held))
	}
	othersServed(t, srv, "127.0.0.3")
}

// Behind a trusted proxy, requests and WebSockets count by the forwarded
// address: over the cap the upgrade is answered 429 with a JSON error,
// while another forwarded address is served.
func TestMaxConnsPerForwardedIP(t *testing.T) {
	srv := startServer(t, "--trusted-proxies", "127.0.0.0/8", "--max-conns-per-ip", "2")
	ada := signUp(t, srv.URL, "ada")
	dial := func(xff string) (*websocket.Conn, *http.Response, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c, resp, err := websocket.Dial(ctx, strings.Replace(srv.URL, "http", "ws", 1)+"/api/v1/ws", &websocket.DialOptions{
			HTTPHeader: http.Header{"Authorization": {"Bearer " + ada.token}, "X-Forwarded-For": {xff}}})
		if c != nil {
			t.Cleanup(func() { _ = c.CloseNow() })
		}
		return c, resp, err
	}
	first, _, err := dial("203.0.113.7")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := dial("203.0.113.7"); err != nil {
		t.Fatal(err)
	}
	_, resp, err := dial("203.0.113.7")
	if err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("third WebSocket from one forwarded address: %v %v, want 429", err, resp)
	}
	var body struct{ Error struct{ Code string } }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Error.Code != "rate_limited" {
		t.Fatalf("429 body: %+v %v", body, err)
	}
	if _, _, err := dial("203.0.113.8"); err != nil {
		t.Fatalf("another forwarded address: %v", err)
	}
	for i := range 5 { // a finished request gives its place back at once
		req, _ := http.NewRequest("GET", srv.URL+"/healthz", nil)
		req.Header.Set("X-Forwarded-For", "203.0.113.9")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("request %d from a forwarded address with nothing open: %d", i, resp.StatusCode)
		}
	}
	_ = first.CloseNow()
	waitFor(t, func() bool {
		c, _, err := dial("203.0.113.7")
		if err == nil {
			_ = c.CloseNow()
		}
		return err == nil
	})
}

// A body trickled in a byte at a time is cut at --read-timeout with 408;
// an upgraded WebSocket outlives the timeout.
func TestSlowBodyIsCut(t *testing.T) {
	srv := startServer(t, "--read-timeout", "500ms")
	nc := dialFrom(t, srv, "127.0.0.2")
	const n = 40 // 40 bytes, one per 200 ms: 8 s if nothing cuts it
	if _, err := io.WriteString(nc, "POST /api/v1/sessions HTTP/1.1\r\nHost: openchat\r\nContent-Type: application/json\r\n"+
		"Content-Length: 40\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for range n {
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Millisecond):
			}
			if _, err := nc.Write([]byte(" ")); err != nil {
				return
			}
		}
	}()
	_ = nc.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
	if err != nil {
		t.Fatal(err)
	}
	var body struct{ Error struct{ Code string } }
	_ = json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestTimeout || body.Error.Code != "request_timeout" {
		t.Fatalf("slow body: %d %+v, want 408 request_timeout", resp.StatusCode, body)
	}

	ws := dialWS(t, srv.URL, signUp(t, srv.URL, "ada").token)
	time.Sleep(1500 * time.Millisecond) // three read timeouts
	ws.send(map[string]string{"type": "ping"})
	ws.next("pong")
}

// /metrics is served on --metrics-addr only, never on the public listener.
func TestMetricsArePrivate(t *testing.T) {
	metricsAddr := freeAddr(t)
	srv := startServer(t, "--metrics-addr", metricsAddr)
	for _, tt := range []struct {
		url      string
		status   int
		contains string
	}{
		{srv.URL + "/metrics", 404, `"not_found"`},
		{"http://" + metricsAddr + "/metrics", 200, "openchat_http_requests_total"},
	} {
		resp, err := http.Get(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		b := readAll(t, resp)
		resp.Body.Close()
		if resp.StatusCode != tt.status || !strings.Contains(b, tt.contains) {
			t.Fatalf("%s: %d %.200s", tt.url, resp.StatusCode, b)
		}
	}
	if resp, err := http.Get(startServer(t).URL + "/metrics"); err != nil || resp.StatusCode != 404 {
		t.Fatalf("without --metrics-addr: %v %v, want 404", err, resp)
	}
}

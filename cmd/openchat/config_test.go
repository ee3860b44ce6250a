package main

import (
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

func limitOf(c config, name string) chat.Limit {
	for _, l := range c.Limits {
		if l.Name == name {
			return l
		}
	}
	return chat.Limit{}
}

func TestParseServe(t *testing.T) {
	env := map[string]string{
		"OPENCHAT_ADDR":            ":9999",
		"OPENCHAT_CACHE_ROOMS_TTL": "3s",
		"OPENCHAT_ALLOWED_ORIGINS": "https://a.example, https://b.example/",
	}
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		check   func(c config) bool
		wantErr bool
	}{
		{"defaults", nil, nil, func(c config) bool {
			return c.Addr == ":8080" && c.DataDir == "./data" && c.CacheRoomMessages == 50 && c.CacheRoomsTTL == 10*time.Second &&
				c.PublicURL == "http://localhost:8080" && c.InstanceID != "" && c.MailBatchWindow == time.Minute
		}, false},
		{"env", nil, env, func(c config) bool {
			return c.Addr == ":9999" && c.CacheRoomsTTL == 3*time.Second && len(c.AllowedOrigins) == 2 && c.AllowedOrigins[1] == "https://b.example"
		}, false},
		{"flag beats env", []string{"--addr", ":7000"}, env, func(c config) bool { return c.Addr == ":7000" }, false},
		{"instance id", []string{"--instance-id", "n1"}, nil, func(c config) bool { return c.InstanceID == "n1" }, false},
		{"bad duration env", nil, map[string]string{"OPENCHAT_CACHE_ROOMS_TTL": "soon"}, nil, true},
		{"bad cache size", []string{"--cache-room-messages", "0"}, nil, nil, true},
		{"bad log format", []string{"--log-format", "xml"}, nil, nil, true},
		{"rate limit defaults", nil, nil, func(c config) bool {
			return limitOf(c, chat.LimitPosts) == chat.Limit{Name: chat.LimitPosts, Quota: 40, Window: 2 * time.Second} &&
				limitOf(c, chat.LimitSignInAccount).String() == "10/30m" && len(c.Limits) == len(chat.LimitSpecs())
		}, false},
		{"rate limit flag and env", []string{"--ratelimit-rooms", "5/1m"}, map[string]string{"OPENCHAT_RATELIMIT_POSTS": "off"}, func(c config) bool {
			return limitOf(c, chat.LimitRooms).String() == "5/1m" && !limitOf(c, chat.LimitPosts).Enabled() && limitOf(c, chat.LimitPosts).Name == chat.LimitPosts
		}, false},
		{"bad rate limit", []string{"--ratelimit-posts", "fast"}, nil, nil, true},
		{"deprecated ws send limits map to posts", []string{"--ws-send-rate", "100", "--ws-send-burst", "50"}, nil, func(c config) bool {
			return limitOf(c, chat.LimitPosts) == chat.Limit{Name: chat.LimitPosts, Quota: 50, Window: 500 * time.Millisecond}
		}, false},
		{"deprecated ws send rate alone", nil, map[string]string{"OPENCHAT_WS_SEND_RATE": "10"}, func(c config) bool {
			return limitOf(c, chat.LimitPosts) == chat.Limit{Name: chat.LimitPosts, Quota: 40, Window: 4 * time.Second}
		}, false},
		{"ratelimit-posts wins over ws send", []string{"--ws-send-burst", "5", "--ratelimit-posts", "7/1s"}, nil, func(c config) bool {
			return limitOf(c, chat.LimitPosts).String() == "7/1s"
		}, false},
		{"ws send rate zero", []string{"--ws-send-rate", "0"}, nil, nil, true},
		{"ws send burst zero", []string{"--ws-send-burst", "0"}, nil, nil, true},
		{"mail rate zero", []string{"--mail-rate", "0"}, nil, nil, true},
		{"cache disabled env", nil, map[string]string{"OPENCHAT_CACHE_DISABLED": "true"}, func(c config) bool { return c.CacheDisabled }, false},
		{"trusted proxies", []string{"--trusted-proxies", "10.0.0.0/8,127.0.0.1"}, nil, func(c config) bool { return len(c.TrustedProxies) == 2 }, false},
		{"bad trusted proxy", []string{"--trusted-proxies", "nope"}, nil, nil, true},
		{"tls key without cert", []string{"--tls-key", "k.pem"}, nil, nil, true},
		{"acme and files", []string{"--acme-domain", "x.org", "--tls-cert", "c", "--tls-key", "k"}, nil, nil, true},
		{"https public url", []string{"--tls-cert", "c.pem", "--tls-key", "k.pem", "--addr", ":8443"}, nil,
			func(c config) bool { return c.PublicURL == "https://localhost:8443" }, false},
		{"connection limit defaults", nil, nil, func(c config) bool {
			return c.ReadTimeout == 30*time.Second && c.MaxConnsPerIP == 1000 && c.MaxConns == 0 && c.WSMaxPerUser == 32 && c.MetricsAddr == ""
		}, false},
		{"connection limits from env", nil, map[string]string{"OPENCHAT_READ_TIMEOUT": "5s", "OPENCHAT_MAX_CONNS_PER_IP": "10",
			"OPENCHAT_MAX_CONNS": "500", "OPENCHAT_WS_MAX_PER_USER": "4", "OPENCHAT_METRICS_ADDR": "127.0.0.1:9090"}, func(c config) bool {
			return c.ReadTimeout == 5*time.Second && c.MaxConnsPerIP == 10 && c.MaxConns == 500 && c.WSMaxPerUser == 4 && c.MetricsAddr == "127.0.0.1:9090"
		}, false},
		{"read timeout zero", []string{"--read-timeout", "0s"}, nil, nil, true},
		{"max conns per ip zero", []string{"--max-conns-per-ip", "0"}, nil, nil, true},
		{"ws max per user zero", []string{"--ws-max-per-user", "0"}, nil, nil, true},
		{"upload memory automatic", nil, nil, func(c config) bool { return c.UploadMemoryBytes == 0 }, false},
		{"upload memory above the file limit", []string{"--upload-max-bytes", "100", "--upload-memory-bytes", "101"}, nil,
			func(c config) bool { return c.UploadMemoryBytes == 101 }, false},
		{"upload memory at the file limit", []string{"--upload-max-bytes", "100", "--upload-memory-bytes", "100"}, nil, nil, true},
		{"upload memory negative", []string{"--upload-memory-bytes", "-1"}, nil, nil, true},
		{"stray argument", []string{"extra"}, nil, nil, true},
		{"unknown flag", []string{"--nope"}, nil, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c config
			err := parseServe(&c, tt.args, func(k string) string { return tt.env[k] }, io.Discard)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && !tt.check(c) {
				t.Fatalf("config = %+v", c)
			}
		})
	}
}

func TestSecretPersists(t *testing.T) {
	c := config{DataDir: t.TempDir()}
	a, err := c.secret()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := c.secret()
	if string(a) != string(b) || len(a) < 32 {
		t.Fatalf("secret not stable: %q vs %q", a, b)
	}
	c.Secret = "given"
	if s, _ := c.secret(); string(s) != "given" {
		t.Fatalf("--secret ignored: %q", s)
	}
}

// TestLimitsDocumented: docs/security.md has a row per limit naming its
// flag and default.
func TestLimitsDocumented(t *testing.T) {
	b, err := os.ReadFile("../../docs/security.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if cells := strings.Split(line, " | "); len(cells) > 3 && strings.HasPrefix(line, "| `") {
			rows[strings.Trim(cells[0], "| `")] = line
		}
	}
	for _, s := range chat.LimitSpecs() {
		row := rows[s.Default.Name]
		if !strings.Contains(row, "`--ratelimit-"+s.Default.Name+"`") || !strings.Contains(row, "`"+s.Default.String()+"`") {
			t.Errorf("docs/security.md: no row for %s with its flag and default %s (got %q)", s.Default.Name, s.Default, row)
		}
	}
}

package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCheckEnviron(t *testing.T) {
	tests := []struct {
		name    string
		environ []string
		want    string // "" means accepted; else a substring of the error
	}{
		{"known", []string{"OPENCHAT_DATABASE_URL=postgres://x", "OPENCHAT_LOG_LEVEL=debug", "HOME=/root"}, ""},
		{"typo", []string{"OPENCHAT_DATABSE_URL=postgres://x"}, "unknown environment variable OPENCHAT_DATABSE_URL (did you mean OPENCHAT_DATABASE_URL?)"},
		{"another typo", []string{"OPENCHAT_LOGLEVEL=debug"}, "did you mean OPENCHAT_LOG_LEVEL?"},
		{"tooling", []string{"OPENCHAT_TEST_POSTGRES_URL=x", "OPENCHAT_CLUSTER_NODES=3", "OPENCHAT_BIN=/x", "OPENCHAT_HTTPS_PORT=443"}, ""},
		{"web export", []string{"OPENCHAT_API_ORIGIN=https://x"}, ""},
		{"config file", []string{"OPENCHAT_CONFIG=/etc/openchat.toml"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkEnviron(tt.environ)
			if (err == nil) != (tt.want == "") || err != nil && !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
	// Through the program's entry: the start stops.
	err := runWithEnviron(t.Context(), []string{"migrate", "status", "--data-dir", t.TempDir()}, []string{"OPENCHAT_DATABSE_URL=postgres://x"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "OPENCHAT_DATABASE_URL") {
		t.Fatalf("runWithEnviron with a typo: %v", err)
	}
}

func TestLevenshtein(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"abc", "", 3}, {"kitten", "sitting", 3}, {"DATABSE", "DATABASE", 1}, {"same", "same", 0}} {
		if got := levenshtein(tt.a, tt.b); got != tt.d {
			t.Errorf("levenshtein(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.d)
		}
	}
}

// TestBadValues: every rejected value is named with the form expected.
func TestBadValues(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want []string
	}{
		{"log level", []string{"--log-level", "verbose"}, nil, []string{`"verbose"`, "debug, info, warn, error"}},
		{"log format from env", nil, map[string]string{"OPENCHAT_LOG_FORMAT": "xml"}, []string{`OPENCHAT_LOG_FORMAT="xml"`, "text, json"}},
		{"duration", []string{"--cache-rooms-ttl", "soon"}, nil, []string{`"soon"`, "a duration such as 10s"}},
		{"duration from env", nil, map[string]string{"OPENCHAT_SHUTDOWN_TIMEOUT": "15"}, []string{`OPENCHAT_SHUTDOWN_TIMEOUT="15"`, "a duration"}},
		{"int", []string{"--cache-max-rooms", "many"}, nil, []string{`"many"`, "a whole number"}},
		{"float", []string{"--mail-rate", "fast"}, nil, []string{`"fast"`, "a number"}},
		{"bool", []string{"--cache-disabled=maybe"}, nil, []string{`"maybe"`, "true or false"}},
		{"database url", []string{"--database-url", "mysql://x"}, nil, []string{`"mysql://x"`, "postgres://"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c config
			var stderr strings.Builder
			err := parseServe(&c, tt.args, func(k string) string { return tt.env[k] }, &stderr)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestConfigFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	toml := write("openchat.toml", `
addr = ":9000"
log-level = "debug"
cache-rooms-ttl = "3s"
cache-max-rooms = 77
mail-rate = 0.5
cache-disabled = true
allowed-origins = ["https://a.example", "https://b.example"]
`)
	yaml := write("openchat.yaml", `
addr: ":9001"
log-format: json
shutdown-timeout: 20s
trusted-proxies: [10.0.0.0/8, 127.0.0.1]
`)
	tests := []struct {
		name  string
		args  []string
		env   map[string]string
		check func(c config) bool
		err   string
	}{
		{"toml", []string{"--config", toml}, nil, func(c config) bool {
			return c.Addr == ":9000" && c.LogLevel == "debug" && c.CacheRoomsTTL == 3*time.Second && c.CacheMaxRooms == 77 &&
				c.MailRate == 0.5 && c.CacheDisabled && len(c.AllowedOrigins) == 2 && c.AllowedOrigins[1] == "https://b.example"
		}, ""},
		{"yaml", []string{"--config", yaml}, nil, func(c config) bool {
			return c.Addr == ":9001" && c.LogFormat == "json" && c.ShutdownTimeout == 20*time.Second && len(c.TrustedProxies) == 2
		}, ""},
		{"config from env", nil, map[string]string{"OPENCHAT_CONFIG": yaml}, func(c config) bool { return c.Addr == ":9001" }, ""},
		{"env beats file", []string{"--config", toml}, map[string]string{"OPENCHAT_ADDR": ":7000"}, func(c config) bool {
			return c.Addr == ":7000" && c.LogLevel == "debug"
		}, ""},
		{"flag beats env and file", []string{"--config", toml, "--addr", ":6000"}, map[string]string{"OPENCHAT_ADDR": ":7000"},
			func(c config) bool { return c.Addr == ":6000" }, ""},
		{"file beats default", []string{"--config", yaml}, nil, func(c config) bool { return c.CacheMaxRooms == 10000 && c.ShutdownTimeout == 20*time.Second }, ""},
		{"unknown key", []string{"--config", write("typo.toml", `databse-url = "postgres://x"`)}, nil, nil, `unknown key "databse-url" (did you mean "database-url"?)`},
		{"bad value", []string{"--config", write("bad.yaml", "log-level: verbose\n")}, nil, nil, "want one of debug, info, warn, error"},
		{"nested table", []string{"--config", write("nested.toml", "[cache]\nttl = 3\n")}, nil, nil, "unknown key"},
		{"bad syntax", []string{"--config", write("broken.yaml", "addr: [\n")}, nil, nil, "broken.yaml"},
		{"other extension", []string{"--config", write("openchat.ini", "addr=:1\n")}, nil, nil, "want a .toml, .yaml or .yml file"},
		{"missing", []string{"--config", filepath.Join(dir, "nope.toml")}, nil, nil, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c config
			err := parseServe(&c, tt.args, func(k string) string { return tt.env[k] }, io.Discard)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(c) {
				t.Fatalf("config = %+v", c)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	saved := version
	t.Cleanup(func() { version = saved })
	version = ""
	if b := readBuildInfo(); b.Version == "" || b.GoVersion == "" {
		t.Fatalf("build info without -X: %+v", b)
	}
	version = "v1.2.3"
	var out strings.Builder
	if err := run(t.Context(), []string{"version"}, func(string) string { return "" }, &out, io.Discard); err != nil ||
		!strings.HasPrefix(out.String(), "openchat v1.2.3") {
		t.Fatalf("version: %v %q", err, out.String())
	}
	// The running server reports it too.
	metricsAddr := freeAddr(t)
	srv := startServer(t, "--metrics-addr", metricsAddr)
	resp, err := httpGet(srv.URL + "/healthz")
	if err != nil || !strings.Contains(resp, `"version":"v1.2.3"`) {
		t.Fatalf("/healthz: %v %s", err, resp)
	}
	metrics, err := httpGet("http://" + metricsAddr + "/metrics")
	if err != nil || !strings.Contains(metrics, `openchat_build_info{`) || !strings.Contains(metrics, `version="v1.2.3"`) {
		t.Fatalf("/metrics lacks openchat_build_info: %v", err)
	}
}

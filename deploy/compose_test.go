package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestCompose(t *testing.T) {
	docs := readDocs(t, "compose.yaml")
	if len(docs) != 1 {
		t.Fatalf("compose.yaml: %d documents, want 1", len(docs))
	}
	services, _ := get(docs[0], "services").(node)
	for _, s := range []string{"certs", "nginx", "openchat", "postgres", "redis", "mailpit"} {
		if _, ok := services[s]; !ok {
			t.Errorf("no service %q", s)
		}
	}
	oc := services["openchat"]
	t.Run("openchat scales", func(t *testing.T) {
		// --scale needs replicas that are interchangeable: no fixed name,
		// no published host port.
		for _, k := range []string{"container_name", "ports", "hostname"} {
			if get(oc, k) != nil {
				t.Errorf("openchat sets %s: --scale would fail", k)
			}
		}
		if num(oc, "deploy.replicas") != 3 {
			t.Error("openchat should default to 3 replicas")
		}
		df := str(oc, "build.dockerfile")
		if _, err := os.Stat(filepath.Join(str(oc, "build.context"), df)); err != nil {
			t.Errorf("build: %v", err)
		}
	})
	t.Run("openchat environment", func(t *testing.T) {
		env, _ := get(oc, "environment").(node)
		if !strings.HasPrefix(env["OPENCHAT_DATABASE_URL"].(string), "postgres://") {
			t.Error("OPENCHAT_DATABASE_URL must point at the postgres service")
		}
		if !strings.HasPrefix(env["OPENCHAT_REDIS_URL"].(string), "redis://redis:") {
			t.Error("OPENCHAT_REDIS_URL must point at the redis service")
		}
		if s, _ := env["OPENCHAT_SECRET"].(string); !strings.HasPrefix(s, "${") {
			t.Error("OPENCHAT_SECRET must come from the operator, not the file")
		}
		flags := serveFlags(t)
		for name := range env {
			if !flags[name] {
				t.Errorf("%s is not an openchat serve flag", name)
			}
		}
	})
	t.Run("nginx", func(t *testing.T) {
		ng := services["nginx"]
		var mounted bool
		for _, v := range list(ng, "volumes") {
			if strings.HasPrefix(v.(string), "./nginx.conf:/etc/nginx/nginx.conf") {
				mounted = true
			}
		}
		if !mounted {
			t.Error("nginx must mount ./nginx.conf")
		}
		ports := strings.Join(anyStrings(list(ng, "ports")), " ")
		for _, p := range []string{":80", ":443"} {
			if !strings.Contains(ports, p) {
				t.Errorf("nginx does not publish %s (ports %q)", p, ports)
			}
		}
	})
	t.Run("dependencies healthy first", func(t *testing.T) {
		for _, s := range []string{"postgres", "redis"} {
			if get(services[s], "healthcheck.test") == nil {
				t.Errorf("%s has no healthcheck", s)
			}
			if str(oc, "depends_on."+s+".condition") != "service_healthy" {
				t.Errorf("openchat must wait for %s to be healthy", s)
			}
		}
	})
}

func anyStrings(l []any) []string {
	var out []string
	for _, v := range l {
		s, _ := v.(string)
		out = append(out, s)
	}
	return out
}

// TestNginxConfigs checks the directives the topology relies on, in both the
// compose and the local-cluster configuration.
func TestNginxConfigs(t *testing.T) {
	want := []struct{ what, re string }{
		{"WebSocket upgrade map", `map \$http_upgrade \$connection_upgrade`},
		{"Upgrade header passed", `proxy_set_header Upgrade \$http_upgrade;`},
		{"Connection header from the map", `proxy_set_header Connection \$connection_upgrade;`},
		{"HTTP/1.1 to the instances", `proxy_http_version 1\.1;`},
		{"http redirected to https", `return 30[18] https://`},
		{"TLS", `listen [^;]*443 ssl( http2)?;`},
		{"request id to the instances", `proxy_set_header X-Request-Id \$request_id;`},
		{"certificate", `ssl_certificate `},
		{"least_conn", `least_conn;`},
		{"passive health checks", `server [^;]*max_fails=\d+ fail_timeout=\d+s`},
		{"retry failed connections elsewhere", `proxy_next_upstream error timeout`},
		{"X-Forwarded-For", `proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;`},
		{"X-Forwarded-Proto", `proxy_set_header X-Forwarded-Proto \$scheme;`},
		{"long WebSocket timeouts", `location = /api/v1/ws \{[^}]*proxy_read_timeout 1h;`},
		{"no buffering on WebSockets", `location = /api/v1/ws \{[^}]*proxy_buffering off;`},
		{"WebSockets on their own upstream", `location = /api/v1/ws \{[^}]*proxy_pass http://openchat_ws;`},
		{"no failure accounting for WebSockets", `upstream openchat_ws \{[^}]*max_fails=0;`},
		{"query strings with token= redacted", `map \$args \$log_args \{[^}]*"~\(\^\|&\)token="\s+"\?\[redacted\]";`},
		{"access log format without the raw request line", `log_format openchat '[^;]*\$uri\$log_args`},
		{"access log uses it", `access_log \S+ openchat;`},
	}
	for _, file := range []string{"nginx.conf", "nginx.local.conf", "nginx.host.conf"} {
		t.Run(file, func(t *testing.T) {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			conf := string(b)
			if file == "nginx.local.conf" {
				// The script fills the upstream servers in.
				conf = strings.ReplaceAll(conf, "@UPSTREAM_SERVERS@", "server 127.0.0.1:1 max_fails=2 fail_timeout=5s;")
				conf = strings.ReplaceAll(conf, "@WS_UPSTREAM_SERVERS@", "server 127.0.0.1:1 max_fails=0;")
				conf = strings.ReplaceAll(conf, "@HTTPS_PORT@", "8443")
			}
			for _, w := range want {
				if !regexp.MustCompile(w.re).MatchString(conf) {
					t.Errorf("%s: missing %s (/%s/)", file, w.what, w.re)
				}
			}
			if strings.Count(conf, "{") != strings.Count(conf, "}") {
				t.Error("unbalanced braces")
			}
			format := regexp.MustCompile(`log_format openchat [^;]*;`).FindString(conf)
			if regexp.MustCompile(`\$request\b|\$request_uri|\$query_string|\$args`).MatchString(format) ||
				regexp.MustCompile(`access_log (\S+;|[^;]*combined)`).MatchString(conf) {
				t.Error("the access log must not record raw query strings (?token= is a credential)")
			}
			if regexp.MustCompile(`proxy_next_upstream [^;]*http_503`).MatchString(conf) {
				t.Error("proxy_next_upstream must not retry 503s: they would mark every instance failed during an outage")
			}
		})
	}
	t.Run("compose resolves replicas", func(t *testing.T) {
		b, _ := os.ReadFile("nginx.conf")
		if !regexp.MustCompile(`server openchat:8080 resolve`).Match(b) || !strings.Contains(string(b), "resolver 127.0.0.11") {
			t.Error("nginx.conf must resolve the openchat service through Docker's DNS")
		}
	})
}

// TestNginxLocalConfValid renders the local-cluster configuration as the
// script does and asks nginx itself, when it is installed.
func TestNginxLocalConfValid(t *testing.T) {
	bin := nginxBin(t)
	path := renderLocalConf(t, t.TempDir(), "18080", "18443", "127.0.0.1:18081")
	out, err := exec.Command(bin, "-t", "-q", "-p", filepath.Dir(path), "-c", path).CombinedOutput()
	if err != nil {
		t.Fatalf("nginx -t: %v\n%s", err, out)
	}
}

// renderLocalConf writes nginx.local.conf as local-cluster.sh renders it,
// with a throwaway certificate, into dir, and returns its path.
func renderLocalConf(t *testing.T, dir, httpPort, httpsPort, upstream string) string {
	t.Helper()
	for _, d := range []string{"tls", "logs", "nginx/tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeSelfSigned(t, filepath.Join(dir, "tls", "cert.pem"), filepath.Join(dir, "tls", "key.pem"))
	b, err := os.ReadFile("nginx.local.conf")
	if err != nil {
		t.Fatal(err)
	}
	conf := strings.NewReplacer("@DIR@", dir, "@HTTP_PORT@", httpPort, "@HTTPS_PORT@", httpsPort,
		"@UPSTREAM_SERVERS@", "server "+upstream+" max_fails=2 fail_timeout=5s;",
		"@WS_UPSTREAM_SERVERS@", "server "+upstream+" max_fails=0;").Replace(string(b))
	path := filepath.Join(dir, "nginx", "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

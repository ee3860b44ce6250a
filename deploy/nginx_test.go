package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/open-chat/openchat/internal/testenv"
)

// nginxBin finds nginx; without it the test is skipped, except where
// OPENCHAT_TEST_REQUIRE_NGINX is set (.ci/run sets it after installing
// nginx), so CI cannot skip the check.
func nginxBin(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"nginx", "/usr/sbin/nginx"} {
		if bin, err := exec.LookPath(name); err == nil {
			return bin
		}
	}
	testenv.Missing(t, "OPENCHAT_TEST_REQUIRE_NGINX", "nginx not installed")
	return ""
}

// nginxVersion returns the installed nginx's major, minor and patch.
func nginxVersion(t *testing.T, bin string) [3]int {
	t.Helper()
	out, err := exec.Command(bin, "-v").CombinedOutput()
	m := regexp.MustCompile(`nginx/(\d+)\.(\d+)\.(\d+)`).FindStringSubmatch(string(out))
	if err != nil || m == nil {
		t.Fatalf("nginx -v: %v %s", err, out)
	}
	var v [3]int
	for i := range v {
		v[i], _ = strconv.Atoi(m[i+1])
	}
	return v
}

// nginxTest runs `nginx -t` on conf after pointing its machine paths (pid,
// logs, certificate) into a temporary directory.
func nginxTest(t *testing.T, bin, conf string, paths map[string]string) ([]byte, error) {
	t.Helper()
	dir := t.TempDir()
	writeSelfSigned(t, filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"))
	var pairs []string
	for from, to := range paths {
		pairs = append(pairs, from, strings.ReplaceAll(to, "@DIR@", dir))
	}
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(strings.NewReplacer(pairs...).Replace(conf)), 0o644); err != nil {
		t.Fatal(err)
	}
	return exec.Command(bin, "-t", "-q", "-p", dir, "-c", path).CombinedOutput()
}

// TestNginxShippedConfigs asks the installed nginx about the shipped
// configurations: nginx.host.conf must pass on any nginx from 1.22 (Debian
// 12); nginx.conf needs 1.27.3 for `resolve` and is checked whole there,
// and on an older nginx must fail on `resolve` alone, as its header says.
func TestNginxShippedConfigs(t *testing.T) {
	bin := nginxBin(t)
	v := nginxVersion(t, bin)
	t.Run("nginx.host.conf", func(t *testing.T) {
		b, err := os.ReadFile("nginx.host.conf")
		if err != nil {
			t.Fatal(err)
		}
		out, err := nginxTest(t, bin, string(b), map[string]string{
			"/run/nginx.pid": "@DIR@/nginx.pid", "/var/log/nginx/": "@DIR@/",
			"/etc/ssl/certs/ssl-cert-snakeoil.pem": "@DIR@/cert.pem", "/etc/ssl/private/ssl-cert-snakeoil.key": "@DIR@/key.pem"})
		if err != nil {
			t.Fatalf("nginx -t: %v\n%s", err, out)
		}
	})
	t.Run("nginx.conf", func(t *testing.T) {
		b, err := os.ReadFile("nginx.conf")
		if err != nil {
			t.Fatal(err)
		}
		out, err := nginxTest(t, bin, string(b), map[string]string{"/tmp/nginx.pid": "@DIR@/nginx.pid",
			"/etc/nginx/certs/tls.crt": "@DIR@/cert.pem", "/etc/nginx/certs/tls.key": "@DIR@/key.pem"})
		modern := v[0] > 1 || v[0] == 1 && (v[1] > 27 || v[1] == 27 && v[2] >= 3)
		switch {
		case modern && err != nil:
			t.Fatalf("nginx %v -t: %v\n%s", v, err, out)
		case !modern && (err == nil || !strings.Contains(string(out), `invalid parameter "resolve"`)):
			t.Fatalf("nginx %v: want the documented `resolve` failure, got %v\n%s", v, err, out)
		case !modern:
			t.Logf("nginx %v is older than 1.27.3: nginx.conf fails on `resolve` as documented; nginx.host.conf is the variant", v)
		}
	})
}

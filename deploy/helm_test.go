package deploy

import (
	"bytes"
	"errors"
	"go/build"
	"io"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/open-chat/openchat/internal/testenv"
)

const chart = "helm/openchat"

// helmBin finds helm on PATH or in GOPATH/bin. Tests that need it skip
// when it is absent, and fail in CI (testenv.Missing).
func helmBin(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("helm"); err == nil {
		return p
	}
	if p := filepath.Join(build.Default.GOPATH, "bin", "helm"); exec.Command(p, "version").Run() == nil {
		return p
	}
	testenv.Missing(t, "", "helm is not installed: go install helm.sh/helm/v3/cmd/helm@v3.22.0")
	return ""
}

func helm(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command(helmBin(t), args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), errors.New(errb.String() + out.String())
	}
	return out.String(), nil
}

// render runs helm template with sets and parses the documents by kind.
func render(t *testing.T, sets ...string) map[string]node {
	t.Helper()
	args := []string{"template", "rel", chart}
	for _, s := range sets {
		args = append(args, "--set", s)
	}
	out, err := helm(t, args...)
	if err != nil {
		t.Fatalf("helm template %v: %v", sets, err)
	}
	byKind := map[string]node{}
	dec := yaml.NewDecoder(strings.NewReader(out))
	for {
		var d node
		err := dec.Decode(&d)
		if errors.Is(err, io.EOF) {
			return byKind
		}
		if err != nil {
			t.Fatalf("helm template %v: the output does not parse: %v", sets, err)
		}
		if d == nil {
			continue
		}
		kind := str(d, "kind")
		if kind == "" || str(d, "apiVersion") == "" || str(d, "metadata.name") == "" {
			t.Fatalf("helm template %v: a document without kind, apiVersion or name", sets)
		}
		if _, dup := byKind[kind]; dup {
			t.Fatalf("helm template %v: a second %s", sets, kind)
		}
		byKind[kind] = d
	}
}

// TestHelmLint: the chart lints strictly with its defaults and with every
// option on.
func TestHelmLint(t *testing.T) {
	for _, sets := range [][]string{nil, {"ingress.enabled=true", "autoscaling.enabled=true"},
		{"secret.create=false", "secret.existingSecret=mine"}} {
		args := []string{"lint", "--strict", chart}
		for _, s := range sets {
			args = append(args, "--set", s)
		}
		if out, err := helm(t, args...); err != nil {
			t.Errorf("helm lint %v: %v", sets, err)
		} else if !strings.Contains(out, "0 chart(s) failed") {
			t.Errorf("helm lint %v:\n%s", sets, out)
		}
	}
}

// TestHelmTemplate: what the chart renders fits together (selectors,
// names, probes, the grace period, flags) in each configuration, and
// refuses bad values.
func TestHelmTemplate(t *testing.T) {
	tests := []struct {
		name  string
		sets  []string
		kinds []string
	}{
		{"defaults", nil, []string{"ConfigMap", "Secret", "Deployment", "Service", "PodDisruptionBudget"}},
		{"everything on", []string{"ingress.enabled=true", "autoscaling.enabled=true"},
			[]string{"ConfigMap", "Secret", "Deployment", "Service", "PodDisruptionBudget", "Ingress", "HorizontalPodAutoscaler"}},
		{"existing secret, no PDB", []string{"secret.create=false", "secret.existingSecret=mine", "podDisruptionBudget.enabled=false"},
			[]string{"ConfigMap", "Deployment", "Service"}},
	}
	flags := serveFlags(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := render(t, tt.sets...)
			var kinds []string
			for k := range m {
				kinds = append(kinds, k)
			}
			if !sameSet(kinds, tt.kinds) {
				t.Fatalf("kinds %v, want %v", kinds, tt.kinds)
			}
			checkRelease(t, m, flags)
		})
	}
	for _, bad := range [][]string{{"config.DATABASE_URL=x"}, {"config.OPENCHAT_METRICS_ADDR=:1"}, {"secret.create=false"}} {
		args := []string{"template", "rel", chart}
		for _, s := range bad {
			args = append(args, "--set", s)
		}
		if _, err := helm(t, args...); err == nil {
			t.Errorf("helm template with %v succeeded", bad)
		}
	}
}

func checkRelease(t *testing.T, m map[string]node, flags map[string]bool) {
	t.Helper()
	d := m["Deployment"]
	pod := get(d, "spec.template")
	c := get(pod, "spec.containers.0")
	podLabels := get(pod, "metadata.labels")
	name := str(d, "metadata.name")
	_, hpa := m["HorizontalPodAutoscaler"]
	checks := []struct {
		name string
		ok   bool
	}{
		{"Deployment selects its pods", labelsMatch(get(d, "spec.selector.matchLabels"), podLabels)},
		{"Service selects the pods", labelsMatch(get(m["Service"], "spec.selector"), podLabels)},
		{"Service targets the http port", str(m["Service"], "spec.ports.0.targetPort") == str(c, "ports.0.name")},
		{"readiness probe /readyz", str(c, "readinessProbe.httpGet.path") == "/readyz"},
		{"liveness probe /healthz", str(c, "livenessProbe.httpGet.path") == "/healthz"},
		{"replicas unless autoscaled", (get(d, "spec.replicas") == nil) == hpa},
		{"config from the ConfigMap", str(c, "envFrom.0.configMapRef.name") == str(m["ConfigMap"], "metadata.name")},
		{"metrics port matches OPENCHAT_METRICS_ADDR", str(m["ConfigMap"], "data.OPENCHAT_METRICS_ADDR") == ":"+strconv.Itoa(num(c, "ports.1.containerPort"))},
	}
	if p, ok := m["PodDisruptionBudget"]; ok {
		checks = append(checks, struct {
			name string
			ok   bool
		}{"PDB selects the pods", labelsMatch(get(p, "spec.selector.matchLabels"), podLabels)})
	}
	if h, ok := m["HorizontalPodAutoscaler"]; ok {
		checks = append(checks, struct {
			name string
			ok   bool
		}{"HPA scales the Deployment", str(h, "spec.scaleTargetRef.name") == name && str(h, "spec.scaleTargetRef.kind") == "Deployment"})
	}
	if i, ok := m["Ingress"]; ok {
		checks = append(checks, struct {
			name string
			ok   bool
		}{"Ingress routes to the Service", str(i, "spec.rules.0.http.paths.0.backend.service.name") == str(m["Service"], "metadata.name") &&
			str(i, "spec.rules.0.http.paths.0.backend.service.port.name") == str(m["Service"], "spec.ports.0.name")})
	}
	for _, ck := range checks {
		if !ck.ok {
			t.Errorf("%s: no", ck.name)
		}
	}
	env := map[string]any{}
	for _, e := range list(c, "env") {
		env[str(e, "name")] = e
		if !flags[str(e, "name")] {
			t.Errorf("env %s is not an openchat serve flag", str(e, "name"))
		}
	}
	for k := range get(m["ConfigMap"], "data").(node) {
		if !flags[k] {
			t.Errorf("ConfigMap key %s is not an openchat serve flag", k)
		}
	}
	secret := "mine"
	if s, ok := m["Secret"]; ok {
		secret = str(s, "metadata.name")
	}
	for _, k := range []string{"OPENCHAT_DATABASE_URL", "OPENCHAT_SECRET"} {
		if str(env[k], "valueFrom.secretKeyRef.name") != secret {
			t.Errorf("%s does not come from the Secret %s", k, secret)
		}
	}
	sleep, _ := strconv.Atoi(str(c, "lifecycle.preStop.exec.command.1"))
	shutdown, _ := strconv.Atoi(strings.TrimSuffix(str(env["OPENCHAT_SHUTDOWN_TIMEOUT"], "value"), "s"))
	if grace := num(pod, "spec.terminationGracePeriodSeconds"); sleep == 0 || shutdown == 0 || grace <= sleep+shutdown {
		t.Errorf("terminationGracePeriodSeconds %d must exceed preStop sleep %d + shutdown %d", grace, sleep, shutdown)
	}
}

// TestHelmMatchesManifests: with every option on, the chart renders what
// deploy/k8s says, so the two stay one design: the same settings keys,
// probes, ports, resources, security, ingress annotations, autoscaling and
// disruption budget.
func TestHelmMatchesManifests(t *testing.T) {
	h := render(t, "ingress.enabled=true", "autoscaling.enabled=true")
	k := manifests(t)
	same := []struct{ kind, path string }{
		{"Deployment", "spec.strategy"},
		{"Deployment", "spec.template.spec.terminationGracePeriodSeconds"},
		{"Deployment", "spec.template.spec.securityContext"},
		{"Deployment", "spec.template.spec.containers.0.args"},
		{"Deployment", "spec.template.spec.containers.0.ports"},
		{"Deployment", "spec.template.spec.containers.0.readinessProbe"},
		{"Deployment", "spec.template.spec.containers.0.livenessProbe"},
		{"Deployment", "spec.template.spec.containers.0.startupProbe"},
		{"Deployment", "spec.template.spec.containers.0.lifecycle"},
		{"Deployment", "spec.template.spec.containers.0.resources"},
		{"Deployment", "spec.template.spec.containers.0.securityContext"},
		{"Deployment", "spec.template.spec.volumes.0.emptyDir"},
		{"Ingress", "metadata.annotations"},
		{"Ingress", "spec.ingressClassName"},
		{"HorizontalPodAutoscaler", "spec.minReplicas"},
		{"HorizontalPodAutoscaler", "spec.maxReplicas"},
		{"HorizontalPodAutoscaler", "spec.metrics"},
		{"HorizontalPodAutoscaler", "spec.behavior"},
		{"PodDisruptionBudget", "spec.maxUnavailable"},
		{"Service", "spec.ports"},
	}
	for _, s := range same {
		if a, b := get(h[s.kind], s.path), get(k[s.kind], s.path); !reflect.DeepEqual(a, b) {
			t.Errorf("%s %s: chart %v, deploy/k8s %v", s.kind, s.path, a, b)
		}
	}
	keys := func(v any) []string {
		var out []string
		for k := range v.(node) {
			out = append(out, k)
		}
		return out
	}
	if a, b := keys(get(h["ConfigMap"], "data")), keys(get(k["ConfigMap"], "data")); !sameSet(a, b) {
		t.Errorf("ConfigMap keys: chart %v, deploy/k8s %v", a, b)
	}
	envNames := func(m map[string]node) []string {
		var out []string
		for _, e := range list(get(m["Deployment"], "spec.template.spec.containers.0"), "env") {
			out = append(out, str(e, "name"))
		}
		return out
	}
	if a, b := envNames(h), envNames(k); !sameSet(a, b) {
		t.Errorf("container env: chart %v, deploy/k8s %v", a, b)
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, s := range a {
		seen[s]++
	}
	for _, s := range b {
		if seen[s]--; seen[s] < 0 {
			return false
		}
	}
	return true
}

package deploy

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// manifests parses every YAML file of k8s/, keyed by kind.
func manifests(t *testing.T) map[string]node {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("k8s", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in k8s/: %v", err)
	}
	byKind := map[string]node{}
	for _, f := range files {
		for _, d := range readDocs(t, f) {
			kind := str(d, "kind")
			if kind == "" || str(d, "apiVersion") == "" {
				t.Fatalf("%s: a document without kind or apiVersion", f)
			}
			if kind != "Kustomization" && str(d, "metadata.name") == "" {
				t.Fatalf("%s: %s without metadata.name", f, kind)
			}
			if _, dup := byKind[kind]; dup {
				t.Fatalf("%s: a second %s", f, kind)
			}
			byKind[kind] = d
		}
	}
	return byKind
}

func TestKubernetesKinds(t *testing.T) {
	m := manifests(t)
	want := map[string]string{
		"Deployment":              "apps/v1",
		"Service":                 "v1",
		"Ingress":                 "networking.k8s.io/v1",
		"HorizontalPodAutoscaler": "autoscaling/v2",
		"PodDisruptionBudget":     "policy/v1",
		"ConfigMap":               "v1",
		"Secret":                  "v1",
		"Kustomization":           "kustomize.config.k8s.io/v1beta1",
	}
	for kind, api := range want {
		t.Run(kind, func(t *testing.T) {
			d, ok := m[kind]
			if !ok {
				t.Fatalf("no %s in k8s/", kind)
			}
			if got := str(d, "apiVersion"); got != api {
				t.Errorf("apiVersion = %q, want %q", got, api)
			}
		})
	}
	for kind := range m {
		if _, ok := want[kind]; !ok {
			t.Errorf("unexpected kind %s: add it to this test", kind)
		}
	}
	t.Run("kustomization lists every manifest but the example secret", func(t *testing.T) {
		res := list(m["Kustomization"], "resources")
		files, _ := filepath.Glob(filepath.Join("k8s", "*.yaml"))
		for _, f := range files {
			base := filepath.Base(f)
			listed := slices.Contains(res, any(base))
			switch base {
			case "kustomization.yaml":
			case "secret.example.yaml":
				if listed {
					t.Error("the example secret must not be applied")
				}
			default:
				if !listed {
					t.Errorf("%s missing from kustomization resources", base)
				}
			}
		}
		for _, r := range res {
			if _, err := os.Stat(filepath.Join("k8s", r.(string))); err != nil {
				t.Errorf("resource %v: %v", r, err)
			}
		}
	})
}

func TestKubernetesDeployment(t *testing.T) {
	m := manifests(t)
	d := m["Deployment"]
	pod := get(d, "spec.template")
	c := get(pod, "spec.containers.0")
	podLabels := get(pod, "metadata.labels")
	checks := []struct {
		name string
		ok   bool
	}{
		{"3 replicas", num(d, "spec.replicas") == 3},
		{"selector matches pod labels", labelsMatch(get(d, "spec.selector.matchLabels"), podLabels)},
		{"rolling update keeps capacity", num(d, "spec.strategy.rollingUpdate.maxUnavailable") == 0},
		{"image set", str(c, "image") != ""},
		{"port 8080 named http", num(c, "ports.0.containerPort") == 8080 && str(c, "ports.0.name") == "http"},
		{"readiness probe /readyz", str(c, "readinessProbe.httpGet.path") == "/readyz"},
		{"liveness probe /healthz", str(c, "livenessProbe.httpGet.path") == "/healthz"},
		{"preStop drain", get(c, "lifecycle.preStop") != nil},
		{"CPU request (the HPA needs it)", str(c, "resources.requests.cpu") != ""},
		{"memory limit", str(c, "resources.limits.memory") != ""},
		{"non-root", get(pod, "spec.securityContext.runAsNonRoot") == true},
		{"no privilege escalation", get(c, "securityContext.allowPrivilegeEscalation") == false},
		{"config from the ConfigMap", str(c, "envFrom.0.configMapRef.name") == str(m["ConfigMap"], "metadata.name")},
		{"metrics on a private port 9090", str(m["ConfigMap"], "data.OPENCHAT_METRICS_ADDR") == ":9090" &&
			num(c, "ports.1.containerPort") == 9090 && str(c, "ports.1.name") == "metrics"},
		{"scrape annotations name the metrics port", func() bool { a, _ := get(pod, "metadata.annotations").(node); return a["prometheus.io/port"] == "9090" }()},
	}
	for _, ck := range checks {
		if !ck.ok {
			t.Errorf("Deployment: %s: no", ck.name)
		}
	}

	// The grace period must cover the preStop sleep plus the server's
	// shutdown timeout, or Kubernetes kills pods mid-drain.
	sleep := 0
	for _, a := range list(c, "lifecycle.preStop.exec.command") {
		if n, err := strconv.Atoi(a.(string)); err == nil {
			sleep = n
		}
	}
	env := map[string]any{}
	for _, e := range list(c, "env") {
		env[str(e, "name")] = e
	}
	shutdown := 15 // the server's default --shutdown-timeout
	if v := str(env["OPENCHAT_SHUTDOWN_TIMEOUT"], "value"); v != "" {
		shutdown, _ = strconv.Atoi(strings.TrimSuffix(v, "s"))
	}
	if grace := num(pod, "spec.terminationGracePeriodSeconds"); sleep == 0 || grace <= sleep+shutdown {
		t.Errorf("terminationGracePeriodSeconds %d must exceed preStop sleep %d + shutdown %d", grace, sleep, shutdown)
	}

	if str(env["OPENCHAT_INSTANCE_ID"], "valueFrom.fieldRef.fieldPath") != "metadata.name" {
		t.Error("OPENCHAT_INSTANCE_ID must come from the pod name (downward API)")
	}
	secret := str(m["Secret"], "metadata.name")
	for _, name := range []string{"OPENCHAT_DATABASE_URL", "OPENCHAT_SECRET"} {
		if str(env[name], "valueFrom.secretKeyRef.name") != secret {
			t.Errorf("%s must come from the Secret %q", name, secret)
		}
		if _, ok := get(m["Secret"], "stringData").(node)[name]; !ok {
			t.Errorf("the example Secret lacks %s", name)
		}
	}
	if str(m["ConfigMap"], "data.OPENCHAT_REDIS_URL") == "" {
		t.Error("the ConfigMap must set OPENCHAT_REDIS_URL (several instances need Redis)")
	}

	flags := serveFlags(t)
	for name := range env {
		if !flags[name] {
			t.Errorf("env %s is not an openchat serve flag", name)
		}
	}
	for name := range get(m["ConfigMap"], "data").(node) {
		if !flags[name] {
			t.Errorf("ConfigMap key %s is not an openchat serve flag", name)
		}
	}
}

func TestKubernetesRouting(t *testing.T) {
	m := manifests(t)
	dep, svc, ing := m["Deployment"], m["Service"], m["Ingress"]
	podLabels := get(dep, "spec.template.metadata.labels")

	if !labelsMatch(get(svc, "spec.selector"), podLabels) {
		t.Error("Service selector does not match the pods")
	}
	if str(svc, "spec.ports.0.targetPort") != "http" {
		t.Error("Service must target the container port named http")
	}
	if str(ing, "spec.ingressClassName") != "nginx" {
		t.Error("Ingress class must be nginx")
	}
	if len(list(ing, "spec.tls")) == 0 || str(ing, "spec.tls.0.secretName") == "" {
		t.Error("Ingress without TLS")
	}
	backend := get(ing, "spec.rules.0.http.paths.0.backend.service")
	if str(backend, "name") != str(svc, "metadata.name") || str(backend, "port.name") != str(svc, "spec.ports.0.name") {
		t.Error("Ingress backend is not the Service's port")
	}
	for _, a := range []string{"proxy-read-timeout", "proxy-send-timeout"} {
		s, _ := get(ing, "metadata.annotations").(node)["nginx.ingress.kubernetes.io/"+a].(string)
		if n, err := strconv.Atoi(s); err != nil || n < 3600 {
			t.Errorf("annotation %s = %q, want >= 3600 (WebSockets)", a, s)
		}
	}

	hpa := m["HorizontalPodAutoscaler"]
	if str(hpa, "spec.scaleTargetRef.kind") != "Deployment" || str(hpa, "spec.scaleTargetRef.name") != str(dep, "metadata.name") {
		t.Error("HPA does not target the Deployment")
	}
	if str(hpa, "spec.metrics.0.resource.name") != "cpu" || num(hpa, "spec.metrics.0.resource.target.averageUtilization") != 50 {
		t.Error("HPA must target 50 % CPU utilisation")
	}
	if min := num(hpa, "spec.minReplicas"); min < 2 || num(hpa, "spec.maxReplicas") <= min {
		t.Error("HPA needs minReplicas >= 2 and maxReplicas above it")
	}

	pdb := m["PodDisruptionBudget"]
	if !labelsMatch(get(pdb, "spec.selector.matchLabels"), podLabels) {
		t.Error("PDB selector does not match the Deployment's pods")
	}
	if get(pdb, "spec.maxUnavailable") == nil && get(pdb, "spec.minAvailable") == nil {
		t.Error("PDB without maxUnavailable or minAvailable")
	}
}

package httpapi_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/open-chat/openchat/docs"
	"github.com/open-chat/openchat/internal/httpapi"
)

// TestOpenAPIMatchesRoutes fails when a route of routes.go is missing from
// docs/openapi.yaml or the document describes a route the router lacks.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var spec struct {
		OpenAPI    string                               `yaml:"openapi"`
		Paths      map[string]map[string]any            `yaml:"paths"`
		Components map[string]map[string]map[string]any `yaml:"components"`
	}
	if err := yaml.Unmarshal(docs.OpenAPI, &spec); err != nil {
		t.Fatalf("parse openapi.yaml: %v", err)
	}
	if !strings.HasPrefix(spec.OpenAPI, "3.1") {
		t.Errorf("openapi = %q, want 3.1.x", spec.OpenAPI)
	}
	methods := []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}
	var documented []string
	for path, item := range spec.Paths {
		for key := range item {
			if slices.Contains(methods, key) {
				documented = append(documented, strings.ToUpper(key)+" "+path)
			}
		}
	}
	var routed []string
	for _, r := range httpapi.Routes() {
		routed = append(routed, r.Method+" "+r.Path)
	}
	if len(routed) < 15 {
		t.Fatalf("Routes() = %v: too few", routed)
	}
	for _, r := range routed {
		if !slices.Contains(documented, r) {
			t.Errorf("route %s is not in docs/openapi.yaml", r)
		}
	}
	for _, d := range documented {
		if !slices.Contains(routed, d) {
			t.Errorf("docs/openapi.yaml describes %s, which routes.go does not serve", d)
		}
	}

	// Every $ref points at a component that exists.
	var doc any
	if err := yaml.Unmarshal(docs.OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	for _, ref := range refs(doc) {
		parts := strings.Split(strings.TrimPrefix(ref, "#/components/"), "/")
		if !strings.HasPrefix(ref, "#/components/") || len(parts) != 2 || spec.Components[parts[0]][parts[1]] == nil {
			t.Errorf("dangling $ref %q", ref)
		}
	}
	for _, name := range []string{"User", "UserRef", "Room", "Message", "Mention", "Error"} {
		if spec.Components["schemas"][name] == nil {
			t.Errorf("schema %s missing", name)
		}
	}
	for _, name := range []string{"cookieAuth", "bearerAuth"} {
		if spec.Components["securitySchemes"][name] == nil {
			t.Errorf("security scheme %s missing", name)
		}
	}
}

func refs(v any) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if k == "$ref" {
				out = append(out, fmt.Sprint(x))
			}
			out = append(out, refs(x)...)
		}
	case []any:
		for _, x := range v {
			out = append(out, refs(x)...)
		}
	}
	return out
}

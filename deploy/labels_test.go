package deploy

import (
	"os"
	"regexp"
	"testing"
)

// TestImageVersion: the build stage stamps the version into the binary and
// the runtime image carries the OCI labels naming it.
func TestImageVersion(t *testing.T) {
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, re := range []string{
		`-X main\.version=\$\{VERSION\}`,
		`org\.opencontainers\.image\.version="\$\{VERSION\}"`,
		`org\.opencontainers\.image\.revision="\$\{REVISION\}"`,
		`org\.opencontainers\.image\.created="\$\{CREATED\}"`,
		`org\.opencontainers\.image\.source=`,
	} {
		if !regexp.MustCompile(re).Match(b) {
			t.Errorf("Dockerfile lacks /%s/", re)
		}
	}
	mk, err := os.ReadFile("../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`build [^\n]*-X main\.version=\$\(VERSION\)`).Match(mk) {
		t.Error("make build does not stamp the version")
	}
}

package deploy

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// node is a parsed YAML document as generic maps and lists.
type node = map[string]any

// readDocs parses every document of a (multi-document) YAML file.
func readDocs(t *testing.T, path string) []node {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var docs []node
	for {
		var d node
		err := dec.Decode(&d)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if d != nil {
			docs = append(docs, d)
		}
	}
}

// get walks a path of map keys and list indexes ("spec.template.0.x");
// nil when any step is missing.
func get(v any, path string) any {
	for _, k := range strings.Split(path, ".") {
		switch c := v.(type) {
		case node:
			v = c[k]
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(c) {
				return nil
			}
			v = c[i]
		default:
			return nil
		}
	}
	return v
}

func str(v any, path string) string {
	s, _ := get(v, path).(string)
	return s
}

func list(v any, path string) []any {
	l, _ := get(v, path).([]any)
	return l
}

func num(v any, path string) int {
	switch n := get(v, path).(type) {
	case int:
		return n
	case float64:
		return int(n)
	}
	return -1
}

// labelsMatch reports whether every selector label is among labels.
func labelsMatch(selector, labels any) bool {
	sel, _ := selector.(node)
	lab, _ := labels.(node)
	if len(sel) == 0 {
		return false
	}
	for k, v := range sel {
		if lab[k] != v {
			return false
		}
	}
	return true
}

// serveFlags lists the flag names of `openchat serve`, read from the
// server's source, so a misspelt OPENCHAT_* variable in a manifest fails.
func serveFlags(t *testing.T) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "cmd", "openchat", "config.go"))
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?:\bstr|\bdur|\benum|fs\.\w+)\((?:&c\.\w+,\s*)?"([a-z][a-z0-9-]*)"`)
	env := map[string]bool{}
	for _, m := range re.FindAllStringSubmatch(string(b), -1) {
		env["OPENCHAT_"+strings.ToUpper(strings.ReplaceAll(m[1], "-", "_"))] = true
	}
	if len(env) < 10 {
		t.Fatalf("found only %d flags in cmd/openchat/config.go: has its layout changed?", len(env))
	}
	return env
}

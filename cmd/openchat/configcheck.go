package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"
)

// Names in the OPENCHAT_ namespace that the binary does not read but the
// tooling around it does (tests, deploy/local-cluster.sh, the compose file,
// the e2e runner). They are not typos.
var (
	toolingEnvPrefixes = []string{"OPENCHAT_TEST_", "OPENCHAT_CLUSTER_"}
	toolingEnvNames    = []string{"OPENCHAT_BIN", "OPENCHAT_HOSTNAME", "OPENCHAT_HTTP_PORT", "OPENCHAT_HTTPS_PORT", "OPENCHAT_VERSION"}
	// otherCommandEnv are read by commands other than serve.
	otherCommandEnv = []string{"OPENCHAT_API_ORIGIN"}
)

// knownEnv lists every OPENCHAT_* variable some command reads.
func knownEnv() []string {
	var names []string
	newFlagSet("serve", &config{}, io.Discard).VisitAll(func(f *flag.Flag) { names = append(names, envName(f.Name)) })
	return append(names, otherCommandEnv...)
}

// checkEnviron stops the start on an OPENCHAT_* variable nobody reads: a
// typo such as OPENCHAT_DATABSE_URL would otherwise silently leave the
// default in place (SQLite instead of PostgreSQL). The error names the
// closest valid variable.
func checkEnviron(environ []string) error {
	known := knownEnv()
	var errs []error
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "OPENCHAT_") || slices.Contains(known, name) || slices.Contains(toolingEnvNames, name) ||
			slices.ContainsFunc(toolingEnvPrefixes, func(p string) bool { return strings.HasPrefix(name, p) }) {
			continue
		}
		errs = append(errs, fmt.Errorf("unknown environment variable %s (did you mean %s?)", name, closest(name, known)))
	}
	return errors.Join(errs...)
}

// closest returns the candidate with the smallest edit distance to name.
func closest(name string, candidates []string) string {
	best, bestD := "", -1
	for _, c := range candidates {
		if d := levenshtein(name, c); bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// levenshtein is the edit distance (insertions, deletions, substitutions)
// between a and b, by bytes: the names compared are ASCII.
func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// enumValue is a string flag that accepts only the listed values.
type enumValue struct {
	p       *string
	allowed []string
}

func newEnum(p *string, value string, allowed ...string) *enumValue {
	*p = value
	return &enumValue{p: p, allowed: allowed}
}

func (e *enumValue) String() string {
	if e == nil || e.p == nil {
		return ""
	}
	return *e.p
}

func (e *enumValue) Set(s string) error {
	if !slices.Contains(e.allowed, s) {
		return fmt.Errorf("want one of %s", strings.Join(e.allowed, ", "))
	}
	*e.p = s
	return nil
}

func (e *enumValue) Get() any { return *e.p }

// formValue wraps a typed flag so a bad value is answered with the form
// expected ("want a duration such as 10s, 1m30s or 2h") instead of the
// flag package's bare "parse error".
type formValue struct {
	flag.Value
	form string
}

func (v formValue) Set(s string) error {
	if err := v.Value.Set(s); err != nil {
		return fmt.Errorf("want %s", v.form)
	}
	return nil
}

func (v formValue) IsBoolFlag() bool {
	b, ok := v.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

func (v formValue) Get() any { return v.Value.(flag.Getter).Get() }

// describeForms wraps every typed flag of fs in a formValue.
func describeForms(fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		g, ok := f.Value.(flag.Getter)
		if !ok {
			return
		}
		var form string
		switch g.Get().(type) {
		case time.Duration:
			form = "a duration such as 10s, 1m30s or 2h"
		case int:
			form = "a whole number"
		case float64:
			form = "a number such as 1 or 0.5"
		case bool:
			form = "true or false"
		default:
			return
		}
		f.Value = formValue{Value: f.Value, form: form}
	})
}

// printFlags is flag.PrintDefaults that sees through formValue, so the
// help still names each flag's type; only, if not nil, limits it to those
// flags.
func printFlags(w io.Writer, fs *flag.FlagSet, only []string) {
	var lines []string
	fs.VisitAll(func(f *flag.Flag) {
		if only != nil && !slices.Contains(only, f.Name) {
			return
		}
		inner := *f
		if fv, ok := f.Value.(formValue); ok {
			inner.Value = fv.Value
		}
		kind, usage := flag.UnquoteUsage(&inner)
		if e, ok := f.Value.(*enumValue); ok {
			kind = strings.Join(e.allowed, "|")
		}
		line := "  -" + f.Name
		if kind != "" {
			line += " " + kind
		}
		line += "\n    \t" + strings.ReplaceAll(usage, "\n", "\n    \t")
		isString := false
		if g, ok := inner.Value.(flag.Getter); ok {
			_, isString = g.Get().(string)
		}
		switch {
		case f.DefValue == "" || f.DefValue == "0" || f.DefValue == "false" || f.DefValue == "0s":
		case isString:
			line += fmt.Sprintf(" (default %q)", f.DefValue)
		default:
			line += " (default " + f.DefValue + ")"
		}
		lines = append(lines, line)
	})
	sort.Strings(lines)
	fmt.Fprintln(w, strings.Join(lines, "\n"))
}

package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"gopkg.in/yaml.v3"
)

// loadConfigFile sets, from the TOML or YAML file at path, every flag not
// in explicit (those given as flags or environment variables win). Keys
// are flag names (addr, database-url, cache-rooms-ttl, …); lists may be
// written as arrays (allowed-origins, trusted-proxies). An unknown key, a
// nested table or a bad value stops the start.
func loadConfigFile(fs *flag.FlagSet, path string, explicit map[string]bool) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	values := map[string]any{}
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".toml":
		if _, err := toml.NewDecoder(bytes.NewReader(b)).Decode(&values); err != nil {
			return fmt.Errorf("config file %s: %w", path, err)
		}
	case ".yaml", ".yml":
		if err := yaml.Unmarshal(b, &values); err != nil {
			return fmt.Errorf("config file %s: %w", path, err)
		}
	default:
		return fmt.Errorf("config file %s: want a .toml, .yaml or .yml file, got %q", path, ext)
	}
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	var errs []error
	for key, v := range values {
		f := fs.Lookup(key)
		switch {
		case f == nil:
			errs = append(errs, fmt.Errorf("config file %s: unknown key %q (did you mean %q?)", path, key, closest(key, names)))
			continue
		case key == "config":
			errs = append(errs, fmt.Errorf("config file %s: a config file cannot name another", path))
			continue
		case explicit[key]:
			continue
		}
		s, err := fileValue(v)
		if err == nil {
			err = fs.Set(key, s)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("config file %s: %s = %v: %w", path, key, v, err))
		}
	}
	return errors.Join(errs...)
}

// fileValue turns a decoded TOML/YAML value into the flag's string form.
func fileValue(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case bool:
		return strconv.FormatBool(v), nil
	case int:
		return strconv.Itoa(v), nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case uint64:
		return strconv.FormatUint(v, 10), nil
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64), nil
	case time.Duration:
		return v.String(), nil
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			s, err := fileValue(e)
			if err != nil {
				return "", err
			}
			parts[i] = s
		}
		return strings.Join(parts, ","), nil
	default:
		return "", fmt.Errorf("want a string, number, boolean or list, got %T", v)
	}
}

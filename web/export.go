package web

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Export writes the client as a static site into dir (created if needed):
// every built file, index.html pointing at cfg.AssetURL, and config.json
// naming cfg.APIOrigin, ready to upload to an object store behind a CDN.
// The server at APIOrigin must allow the site's origin (--allowed-origins).
func Export(dir string, cfg Config) error {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		return fmt.Errorf("web: %w", err)
	}
	return export(sub, dir, cfg)
}

func export(fsys fs.FS, dir string, cfg Config) error {
	cfg, err := cfg.normalize()
	if err != nil {
		return err
	}
	index, err := renderIndex(fsys, cfg)
	if err != nil {
		return err
	}
	err = fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(name))
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		if name == "index.html" || name == "index.html.gz" || name == "index.html.br" {
			return nil // rewritten below; stale compressed copies would disagree
		}
		if cfg.AssetURL != "" && (name == ServiceWorker+".gz" || name == ServiceWorker+".br") {
			return nil // sw.js is rewritten below too
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		return fmt.Errorf("web: export: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "index.html"), index, 0o644); err != nil {
		return fmt.Errorf("web: export: %w", err)
	}
	if sw := renderWorker(fsys, cfg); sw != nil {
		if err := os.WriteFile(filepath.Join(dir, ServiceWorker), sw.variants[""].body, 0o644); err != nil {
			return fmt.Errorf("web: export: %w", err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), configFile(cfg).variants[""].body, 0o644); err != nil {
		return fmt.Errorf("web: export: %w", err)
	}
	return nil
}

package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/localfiles"
	"github.com/open-chat/openchat/internal/s3files"
)

// openBlobs opens the file store --files-url names: empty (the default) is
// the directory <data-dir>/files, file:///path another directory, and
// s3://bucket[/prefix]?endpoint=…&region=… an S3-compatible bucket whose
// credentials come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
// AWS_SESSION_TOKEN (AWS_REGION when the URL names no region).
func openBlobs(ctx context.Context, c config, getenv func(string) string) (chat.BlobStore, error) {
	switch u := c.FilesURL; {
	case u == "":
		return localfiles.Open(filepath.Join(c.DataDir, "files"))
	case strings.HasPrefix(u, "file://"):
		return localfiles.Open(strings.TrimPrefix(u, "file://"))
	case strings.HasPrefix(u, "s3://"):
		cfg, err := s3files.ParseURL(u)
		if err != nil {
			return nil, err
		}
		if cfg.Region == "" {
			cfg.Region = getenv("AWS_REGION")
		}
		cfg.AccessKey, cfg.SecretKey, cfg.SessionToken = getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"), getenv("AWS_SESSION_TOKEN")
		return s3files.Open(ctx, cfg)
	default:
		return nil, fmt.Errorf("--files-url %q: want file:///dir or s3://bucket?endpoint=…", u)
	}
}

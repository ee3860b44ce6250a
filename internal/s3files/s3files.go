// Package s3files is a chat.BlobStore on any S3-compatible object store
// (AWS S3, MinIO, SeaweedFS, Ceph, R2, …) through minio-go. An object
// appears whole when its upload completes, so readers never see a partial
// blob.
package s3files

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/open-chat/openchat/internal/chat"
)

// Config locates the bucket. Credentials come from the caller (the AWS_*
// environment variables in cmd/openchat).
type Config struct {
	Endpoint  string // host[:port]; default s3.amazonaws.com
	Secure    bool   // HTTPS to the endpoint
	Region    string
	Bucket    string
	Prefix    string // prepended to every key, e.g. "openchat/"
	PathStyle bool   // bucket in the path, not the host name (most self-hosted servers)

	AccessKey, SecretKey, SessionToken string
}

// ParseURL reads s3://bucket/prefix?endpoint=…&region=…&path_style=… .
// The endpoint may carry its scheme (http:// turns TLS off); without one it
// is HTTPS.
func ParseURL(raw string) (Config, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "s3" || u.Host == "" {
		return Config{}, fmt.Errorf("files url %q: want s3://bucket[/prefix]?endpoint=…&region=…", raw)
	}
	q := u.Query()
	c := Config{Bucket: u.Host, Prefix: strings.TrimPrefix(u.Path, "/"), Region: q.Get("region"), Secure: true,
		Endpoint: q.Get("endpoint"), PathStyle: q.Get("path_style") != "false"}
	if c.Prefix != "" && !strings.HasSuffix(c.Prefix, "/") {
		c.Prefix += "/"
	}
	switch {
	case strings.HasPrefix(c.Endpoint, "http://"):
		c.Endpoint, c.Secure = strings.TrimPrefix(c.Endpoint, "http://"), false
	case strings.HasPrefix(c.Endpoint, "https://"):
		c.Endpoint = strings.TrimPrefix(c.Endpoint, "https://")
	case c.Endpoint == "":
		c.Endpoint, c.PathStyle = "s3.amazonaws.com", q.Get("path_style") == "true"
	}
	c.Endpoint = strings.TrimSuffix(c.Endpoint, "/")
	return c, nil
}

// Store is a chat.BlobStore on one bucket.
type Store struct {
	c      *minio.Client
	bucket string
	prefix string
}

var _ chat.BlobStore = (*Store)(nil)

// Open connects to the bucket and checks that it exists.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	lookup := minio.BucketLookupDNS
	if cfg.PathStyle {
		lookup = minio.BucketLookupPath
	}
	c, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, cfg.SessionToken),
		Secure:       cfg.Secure,
		Region:       cfg.Region,
		BucketLookup: lookup,
	})
	if err != nil {
		return nil, fmt.Errorf("s3 client: %w", err)
	}
	ok, err := c.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("s3 bucket %s at %s: %w", cfg.Bucket, cfg.Endpoint, err)
	}
	if !ok {
		return nil, fmt.Errorf("s3 bucket %s at %s does not exist", cfg.Bucket, cfg.Endpoint)
	}
	return &Store{c: c, bucket: cfg.Bucket, prefix: cfg.Prefix}, nil
}

func (s *Store) key(key string) (string, error) {
	if !chat.ValidBlobKey(key) {
		return "", chat.Errorf(chat.EINVALID, "bad blob key %q", key)
	}
	return s.prefix + key, nil
}

// Put implements chat.BlobStore.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	k, err := s.key(key)
	if err != nil {
		return err
	}
	if _, err := s.c.PutObject(ctx, s.bucket, k, r, size, minio.PutObjectOptions{ContentType: contentType}); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	return nil
}

type blob struct {
	*minio.Object
	size int64
}

func (b blob) Size() int64 { return b.size }

// Open implements chat.BlobStore. The object is read lazily; Seek starts
// a ranged GET, so http.ServeContent's ranges cost one request each.
func (s *Store) Open(ctx context.Context, key string) (chat.Blob, error) {
	k, err := s.key(key)
	if err != nil {
		return nil, err
	}
	obj, err := s.c.GetObject(ctx, s.bucket, k, minio.GetObjectOptions{})
	if err != nil {
		return nil, notFound(key, err)
	}
	st, err := obj.Stat()
	if err != nil {
		obj.Close()
		return nil, notFound(key, err)
	}
	return blob{obj, st.Size}, nil
}

// Stat implements chat.BlobStore.
func (s *Store) Stat(ctx context.Context, key string) (int64, error) {
	k, err := s.key(key)
	if err != nil {
		return 0, err
	}
	st, err := s.c.StatObject(ctx, s.bucket, k, minio.StatObjectOptions{})
	if err != nil {
		return 0, notFound(key, err)
	}
	return st.Size, nil
}

// Delete implements chat.BlobStore.
func (s *Store) Delete(ctx context.Context, key string) error {
	k, err := s.key(key)
	if err != nil {
		return err
	}
	if err := s.c.RemoveObject(ctx, s.bucket, k, minio.RemoveObjectOptions{}); err != nil && !isNotFound(err) {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	return nil
}

func isNotFound(err error) bool {
	var e minio.ErrorResponse
	if errors.As(err, &e) {
		return e.Code == "NoSuchKey" || e.StatusCode == 404
	}
	return false
}

func notFound(key string, err error) error {
	if isNotFound(err) {
		return chat.Errorf(chat.ENOTFOUND, "blob %s not found", key)
	}
	return fmt.Errorf("blob %s: %w", key, err)
}

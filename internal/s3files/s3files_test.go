package s3files_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/chat/chattest"
	"github.com/open-chat/openchat/internal/s3files"
	"github.com/open-chat/openchat/internal/testenv"
)

const accessKey, secretKey = "openchat-test", "openchat-test-secret-key-0123456789"

// weedS3 starts a SeaweedFS server with its S3 gateway on free ports in a
// temporary directory and returns the gateway's address. Without the weed
// binary the test skips, except in CI (CI=true or
// OPENCHAT_TEST_REQUIRE_WEED=1, which .ci/run sets), where it fails.
func weedS3(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("weed")
	if err != nil {
		testenv.Missing(t, "OPENCHAT_TEST_REQUIRE_WEED", "weed (SeaweedFS) is not on PATH; see .ci/run for how to build it")
	}
	dir := t.TempDir()
	cfg := fmt.Sprintf(`{"identities":[{"name":"openchat","credentials":[{"accessKey":%q,"secretKey":%q}],
		"actions":["Admin","Read","List","Tagging","Write"]}]}`, accessKey, secretKey)
	if err := os.WriteFile(filepath.Join(dir, "s3.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	p := freePorts(t, 8)
	s3 := fmt.Sprintf("127.0.0.1:%d", p[6])
	cmd := exec.Command(bin, "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-dir="+dir,
		fmt.Sprint("-master.port=", p[0]), fmt.Sprint("-master.port.grpc=", p[1]), "-master.volumeSizeLimitMB=64",
		fmt.Sprint("-volume.port=", p[2]), fmt.Sprint("-volume.port.grpc=", p[3]), "-volume.max=4",
		"-filer", fmt.Sprint("-filer.port=", p[4]), fmt.Sprint("-filer.port.grpc=", p[5]),
		"-s3", fmt.Sprint("-s3.port=", p[6]), fmt.Sprint("-s3.port.grpc=", p[7]), "-s3.port.iceberg=0", "-s3.port.lance=0",
		"-s3.config="+filepath.Join(dir, "s3.json"))
	logf, err := os.Create(filepath.Join(dir, "weed.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr, cmd.Dir = logf, logf, dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var exited atomic.Bool
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); exited.Store(true); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		logf.Close()
	})
	// Ready when a signed request creates the bucket (the gateway answers
	// before the filer and volume server are up; that is what matters).
	c, err := minio.New(s3, &minio.Options{Creds: credentials.NewStaticV4(accessKey, secretKey, ""), BucketLookup: minio.BucketLookupPath})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = c.MakeBucket(ctx, "openchat", minio.MakeBucketOptions{})
		cancel()
		if err == nil || strings.Contains(err.Error(), "already") {
			break
		}
		if exited.Load() || time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(dir, "weed.log"))
			t.Fatalf("SeaweedFS did not become ready: %v\n%s", err, tail(string(b), 3000))
		}
		time.Sleep(500 * time.Millisecond)
	}
	return s3
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ls []net.Listener
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

func TestBlobStore(t *testing.T) {
	addr := weedS3(t)
	var n atomic.Int64
	chattest.TestBlobStore(t, func(t *testing.T) chat.BlobStore {
		// One bucket; a prefix per store keeps the subtests apart.
		cfg, err := s3files.ParseURL(fmt.Sprintf("s3://openchat/t%d?endpoint=http://%s&region=us-east-1", n.Add(1), addr))
		if err != nil {
			t.Fatal(err)
		}
		cfg.AccessKey, cfg.SecretKey = accessKey, secretKey
		s, err := s3files.Open(t.Context(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestOpenRefusesAMissingBucket(t *testing.T) {
	addr := weedS3(t)
	cfg, _ := s3files.ParseURL("s3://nope?endpoint=http://" + addr)
	cfg.AccessKey, cfg.SecretKey = accessKey, secretKey
	if _, err := s3files.Open(t.Context(), cfg); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("err = %v", err)
	}
	cfg.SecretKey = "wrong"
	if _, err := s3files.Open(t.Context(), cfg); err == nil {
		t.Fatal("wrong credentials accepted")
	}
}

func TestParseURL(t *testing.T) {
	for _, c := range []struct {
		in   string
		want s3files.Config
		bad  bool
	}{
		{in: "s3://b?endpoint=http://127.0.0.1:9000&region=eu", want: s3files.Config{Endpoint: "127.0.0.1:9000", Region: "eu", Bucket: "b", PathStyle: true}},
		{in: "s3://b/some/prefix?endpoint=minio.example.org", want: s3files.Config{Endpoint: "minio.example.org", Secure: true, Bucket: "b", Prefix: "some/prefix/", PathStyle: true}},
		{in: "s3://b?region=eu-west-1", want: s3files.Config{Endpoint: "s3.amazonaws.com", Secure: true, Region: "eu-west-1", Bucket: "b"}},
		{in: "s3://b?endpoint=https://r2.example.com/&path_style=false", want: s3files.Config{Endpoint: "r2.example.com", Secure: true, Bucket: "b"}},
		{in: "s3:///nobucket", bad: true},
		{in: "http://b", bad: true},
	} {
		got, err := s3files.ParseURL(c.in)
		if c.bad != (err != nil) || (!c.bad && got != c.want) {
			t.Errorf("ParseURL(%q) = %+v, %v", c.in, got, err)
		}
	}
}

package chat_test

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/localfiles"
	"github.com/open-chat/openchat/internal/memory"
)

// A caller that declares a length gets exactly that many bytes stored, or
// EINVALID: a body longer or shorter than declared is refused (HTTP
// enforces Content-Length itself; the service does not rely on it).
func TestCreateUploadDeclaredLength(t *testing.T) {
	blobs, err := localfiles.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvFiles(t, nil, chat.FilesConfig{Blobs: blobs})
	for _, tc := range []struct {
		declared int64
		body     int
		code     string
	}{
		{10, 10, ""},
		{-1, 20, ""}, // unknown: whatever arrives, within the limits
		{10, 20, chat.EINVALID},
		{10, 5, chat.EINVALID},
	} {
		u, err := e.svc.CreateUpload(context.Background(), e.user, "f.bin", bytes.NewReader(make([]byte, tc.body)), tc.declared)
		if chat.ErrorCode(err) != tc.code || (err == nil && u.Size != int64(tc.body)) {
			t.Errorf("declared %d, sent %d: %+v, %v; want code %q", tc.declared, tc.body, u, err, tc.code)
		}
	}
}

// An upload refused because the instance's upload memory is busy (503: try
// again) does not spend the uploader's rate-limit budget; the retry does.
func TestUploadBusyKeepsBudget(t *testing.T) {
	blobs, err := localfiles.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvFiles(t, nil, chat.FilesConfig{Blobs: blobs, MaxBytes: 100, MemoryBytes: 150}, func(d *chat.Deps) {
		d.Config.Limits = []chat.Limit{{Name: chat.LimitUploads, Quota: 1, Window: time.Hour}}
		d.RateLimiter = memory.NewRateLimiter(0, nil)
	})
	ctx := context.Background()
	bob, err := e.svc.SignUp(ctx, chat.SignUpInput{Username: "bob", Email: "bob@example.org", Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { // bob's upload of unknown length holds 101 of the 150 bytes while it reads
		_, err := e.svc.CreateUpload(ctx, bob, "b.bin", pr, -1)
		done <- err
	}()
	if _, err := pw.Write([]byte("bob")); err != nil { // returns once the upload reads
		t.Fatal(err)
	}
	upload := func() error {
		_, err := e.svc.CreateUpload(ctx, e.user, "a.bin", bytes.NewReader([]byte("ada")), -1)
		return err
	}
	if err := upload(); chat.ErrorCode(err) != chat.EUNAVAILABLE {
		t.Fatalf("with the memory held: %v, want %s", err, chat.EUNAVAILABLE)
	}
	pw.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := upload(); err != nil {
		t.Fatalf("the retry: %v", err)
	}
	if err := upload(); chat.ErrorCode(err) != chat.ERATELIMITED {
		t.Fatalf("past the quota of 1: %v, want %s", err, chat.ERATELIMITED)
	}
}

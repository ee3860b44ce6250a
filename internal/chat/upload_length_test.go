package chat_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/localfiles"
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

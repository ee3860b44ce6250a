package localfiles_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/chat/chattest"
	"github.com/open-chat/openchat/internal/localfiles"
)

func TestBlobStore(t *testing.T) {
	chattest.TestBlobStore(t, func(t *testing.T) chat.BlobStore {
		s, err := localfiles.Open(filepath.Join(t.TempDir(), "files"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestNoTempFilesLeft: a failed put removes its temporary file.
func TestNoTempFilesLeft(t *testing.T) {
	dir := t.TempDir()
	s, err := localfiles.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Put(t.Context(), "files/x", os.Stdin, 10, "") // stdin under go test is empty: a short body
	entries, _ := os.ReadDir(filepath.Join(dir, "files"))
	if len(entries) != 0 {
		t.Fatalf("left %v", entries)
	}
}

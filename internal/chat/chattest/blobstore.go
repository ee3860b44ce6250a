package chattest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// TestBlobStore is the conformance suite of chat.BlobStore; newStore
// returns an empty store.
func TestBlobStore(t *testing.T, newStore func(t *testing.T) chat.BlobStore) {
	ctx := context.Background()
	data := bytes.Repeat([]byte("0123456789"), 1000)
	put := func(t *testing.T, s chat.BlobStore, key string, b []byte) {
		t.Helper()
		if err := s.Put(ctx, key, bytes.NewReader(b), int64(len(b)), "application/octet-stream"); err != nil {
			t.Fatalf("put %s: %v", key, err)
		}
	}
	read := func(t *testing.T, s chat.BlobStore, key string) []byte {
		t.Helper()
		b, err := s.Open(ctx, key)
		if err != nil {
			t.Fatalf("open %s: %v", key, err)
		}
		defer b.Close()
		got, err := io.ReadAll(b)
		if err != nil {
			t.Fatal(err)
		}
		if b.Size() != int64(len(got)) {
			t.Fatalf("size %d, read %d", b.Size(), len(got))
		}
		return got
	}

	t.Run("put open stat", func(t *testing.T) {
		s := newStore(t)
		put(t, s, "files/a1", data)
		if got := read(t, s, "files/a1"); !bytes.Equal(got, data) {
			t.Fatal("read back different bytes")
		}
		if n, err := s.Stat(ctx, "files/a1"); err != nil || n != int64(len(data)) {
			t.Fatalf("stat = %d, %v", n, err)
		}
		put(t, s, "thumbs/a1", []byte("thumb")) // same id, another prefix: another blob
		if got := read(t, s, "files/a1"); !bytes.Equal(got, data) {
			t.Fatal("a key's neighbour changed it")
		}
	})

	t.Run("seek", func(t *testing.T) {
		s := newStore(t)
		put(t, s, "files/seek", data)
		b, err := s.Open(ctx, "files/seek")
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		for _, c := range []struct {
			off    int64
			whence int
			want   string
		}{{995, io.SeekStart, "56789"}, {-5, io.SeekEnd, "56789"}, {10, io.SeekStart, "01234"}, {0, io.SeekCurrent, "56789"}} {
			if _, err := b.Seek(c.off, c.whence); err != nil {
				t.Fatal(err)
			}
			p := make([]byte, 5)
			if _, err := io.ReadFull(b, p); err != nil || string(p) != c.want {
				t.Fatalf("seek %d/%d: %q, %v", c.off, c.whence, p, err)
			}
		}
	})

	t.Run("serve ranges", func(t *testing.T) {
		s := newStore(t)
		put(t, s, "files/range", data)
		b, err := s.Open(ctx, "files/range")
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Range", "bytes=100-104,-3")
		http.ServeContent(rec, req, "", time.Time{}, b)
		body := rec.Body.String()
		if rec.Code != 206 || !strings.Contains(body, "01234") || !strings.Contains(body, "789") {
			t.Fatalf("ranges: %d %q", rec.Code, body)
		}
	})

	t.Run("overwrite", func(t *testing.T) {
		s := newStore(t)
		put(t, s, "files/o", data)
		put(t, s, "files/o", []byte("short"))
		if got := read(t, s, "files/o"); string(got) != "short" {
			t.Fatalf("after overwrite: %q", got)
		}
	})

	t.Run("missing and delete", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.Open(ctx, "files/none"); chat.ErrorCode(err) != chat.ENOTFOUND {
			t.Fatalf("open missing: %v", err)
		}
		if _, err := s.Stat(ctx, "files/none"); chat.ErrorCode(err) != chat.ENOTFOUND {
			t.Fatalf("stat missing: %v", err)
		}
		if err := s.Delete(ctx, "files/none"); err != nil {
			t.Fatalf("delete missing: %v", err)
		}
		put(t, s, "files/d", data)
		if err := s.Delete(ctx, "files/d"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Open(ctx, "files/d"); chat.ErrorCode(err) != chat.ENOTFOUND {
			t.Fatalf("open deleted: %v", err)
		}
	})

	t.Run("short body stores nothing", func(t *testing.T) {
		s := newStore(t)
		if err := s.Put(ctx, "files/short", bytes.NewReader([]byte("abc")), 10, "text/plain"); err == nil {
			t.Fatal("a body shorter than its size was stored")
		}
		if _, err := s.Stat(ctx, "files/short"); chat.ErrorCode(err) != chat.ENOTFOUND {
			t.Fatalf("stat after failed put: %v", err)
		}
	})

	t.Run("bad keys", func(t *testing.T) {
		s := newStore(t)
		for _, key := range []string{"", "../etc/passwd", "/abs", "files//x", "files/", "Files/x", "files/x.png", "files/../../x"} {
			if err := s.Put(ctx, key, bytes.NewReader([]byte("x")), 1, ""); err == nil {
				t.Errorf("put %q accepted", key)
			}
			if _, err := s.Open(ctx, key); err == nil {
				t.Errorf("open %q accepted", key)
			}
		}
	})
}

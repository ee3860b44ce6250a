package httpapi

import (
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// multipartSlack is what a multipart body may carry beyond the file (the
// part headers and boundaries) before the request counts as too large.
const multipartSlack = 64 << 10

// handleUpload stores a file sent as multipart/form-data (the part named
// "file", or the first with a file name) or as the raw body with ?name=.
// A declared length over the limit is refused before anything is read;
// otherwise at most the limit (plus one byte) is read.
func handleUpload(log *slog.Logger, svc *chat.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := svc.MaxUploadBytes()
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		multipart := mt == "multipart/form-data"
		declared := r.ContentLength
		if multipart && declared > 0 {
			declared = max(declared-multipartSlack, 0)
		}
		if declared > limit {
			writeError(w, r, log, chat.Errorf(chat.ETOOLARGE, "the file is larger than the limit of %d bytes", limit))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit+multipartSlack)
		name, body, size := r.URL.Query().Get("name"), io.Reader(r.Body), r.ContentLength
		if multipart {
			part, err := filePart(r)
			if err != nil {
				writeError(w, r, log, err)
				return
			}
			defer part.Close()
			name, body, size = part.FileName(), part, -1
		}
		u, err := svc.CreateUpload(r.Context(), user(r), name, body, size)
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			err = chat.Errorf(chat.ETOOLARGE, "the file is larger than the limit of %d bytes", limit)
		case errors.Is(err, io.ErrUnexpectedEOF):
			err = chat.Errorf(chat.EBADREQUEST, "the upload ended before the whole file arrived")
		}
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		encode(w, http.StatusCreated, map[string]any{"upload": u})
	})
}

type namedPart interface {
	io.ReadCloser
	FileName() string
}

// filePart finds the file in a multipart body.
func filePart(r *http.Request) (namedPart, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, chat.Errorf(chat.EBADREQUEST, "malformed multipart body: %v", err)
	}
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, chat.Invalid("file", "the multipart body has no file part")
		}
		if err != nil {
			return nil, chat.Errorf(chat.EBADREQUEST, "malformed multipart body: %v", err)
		}
		if p.FormName() == "file" || p.FileName() != "" {
			return p, nil
		}
		p.Close()
	}
}

// handleFile serves an upload (or its thumbnail) to a reader who may see
// it, or redirects to a signed URL when files are served from a CDN.
func handleFile(log *slog.Logger, svc *chat.Service, thumb bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fc, err := svc.OpenUpload(r.Context(), user(r), r.PathValue("upload_id"), thumb)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		if fc.Redirect != "" {
			w.Header().Set("Cache-Control", "private, no-store")
			http.Redirect(w, r, fc.Redirect, http.StatusFound)
			return
		}
		// no-cache: a browser revalidates (a 304 by ETag) so that losing
		// access to the room takes effect.
		serveFile(w, r, fc, "private, no-cache")
	})
}

// handleSignedFile serves the file a signed URL names, without a session:
// the CDN's fetch. Shared caches may keep it until the URL expires.
func handleSignedFile(log *slog.Logger, svc *chat.Service, thumb bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		fc, exp, err := svc.OpenSignedUpload(r.Context(), r.PathValue("upload_id"), thumb, q.Get("exp"), q.Get("sig"))
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		age := max(exp-time.Now().Unix(), 0)
		serveFile(w, r, fc, "public, max-age="+strconv.FormatInt(age, 10)+", immutable")
	})
}

// serveFile answers with the blob (ranges, ETag and If-None-Match by
// http.ServeContent) under headers that keep a browser from running it:
// a sandbox CSP, no sniffing, and a download for anything not an image.
func serveFile(w http.ResponseWriter, r *http.Request, fc chat.FileContent, cacheControl string) {
	defer fc.Blob.Close()
	h := w.Header()
	h.Set("Content-Security-Policy", "sandbox")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Type", fc.ContentType)
	h.Set("ETag", fc.ETag)
	h.Set("Cache-Control", cacheControl)
	h.Set("Content-Disposition", contentDisposition(fc.Inline, fc.Upload.Name))
	http.ServeContent(w, r, "", fc.Upload.CreatedAt.Time, fc.Blob)
}

// contentDisposition names the file as RFC 6266 says: an ASCII fallback
// in filename and the exact UTF-8 name in filename* (RFC 5987).
func contentDisposition(inline bool, name string) string {
	kind := "attachment"
	if inline {
		kind = "inline"
	}
	fallback := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, name)
	return kind + `; filename="` + fallback + `"; filename*=UTF-8''` + strings.ReplaceAll(url.PathEscape(name), "'", "%27")
}

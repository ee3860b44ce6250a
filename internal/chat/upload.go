package chat

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"time"
)

// Limits and defaults of uploads (docs/files.md).
const (
	DefaultUploadMaxBytes   = 25 << 20 // one file
	DefaultUploadQuotaBytes = 1 << 30  // all of one user's stored files
	AttachmentsPerMessage   = 10
	UploadNameMaxLen        = 255 // bytes of UTF-8
	ThumbMaxSide            = 400 // pixels, the longer side of a thumbnail
	// UploadOrphanAge is how long an upload no message references is kept
	// (time to write the message it is for) before SweepUploads removes it.
	UploadOrphanAge = 24 * time.Hour
)

// Upload is a stored file. URL and ThumbURL are the instance's routes
// (stable, so messages can carry them in caches); ThumbURL is empty for
// files that are not images, and serves the original until the thumbnail
// of a large image is ready.
type Upload struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Size        int64  `json:"size"`
	ContentType string `json:"content_type"` // sniffed from the content, never the client's
	Width       int    `json:"width"`        // pixels; 0 for files that are not images
	Height      int    `json:"height"`
	URL         string `json:"url"`
	ThumbURL    string `json:"thumb_url"`

	UploaderID string `json:"-"`
	Key        string `json:"-"` // the blob's key in the BlobStore
	ThumbKey   string `json:"-"` // "" while there is no thumbnail (none needed, or not made yet)
	ThumbType  string `json:"-"`
	CreatedAt  Time   `json:"-"`
}

// IsImage reports whether the upload is an image clients may show inline.
func (u Upload) IsImage() bool { return IsImageType(u.ContentType) }

// IsImageType reports whether a sniffed type is one of the image formats
// served inline and thumbnailed: PNG, JPEG, GIF and WebP. Everything else
// is served as application/octet-stream, as a download.
func IsImageType(ct string) bool {
	switch ct {
	case "image/png", "image/jpeg", "image/gif", "image/webp":
		return true
	}
	return false
}

// WithURLs fills URL and ThumbURL from the id.
func (u Upload) WithURLs() Upload {
	u.URL = "/api/v1/uploads/" + u.ID
	u.ThumbURL = ""
	if u.IsImage() {
		u.ThumbURL = u.URL + "/thumb"
	}
	return u
}

// ValidateUploadName keeps the last path element of a client's file name
// (browsers send bare names, some tools send paths) and checks it.
func ValidateUploadName(name string) (string, error) {
	name = strings.TrimSpace(path.Base(strings.ReplaceAll(name, `\`, "/")))
	if name == "." || name == "/" || name == ".." {
		name = ""
	}
	if err := CheckText("name", name, TextLine); err != nil {
		return "", err
	}
	if name == "" || len(name) > UploadNameMaxLen { // CheckText has checked UTF-8
		return "", Invalid("name", "must be 1 to %d bytes", UploadNameMaxLen)
	}
	return name, nil
}

// UploadStore keeps upload metadata and which messages attach which
// uploads (the attachment rows AppendMessage writes for
// NewMessage.Attachments and DeleteMessage removes).
type UploadStore interface {
	// CreateUpload stores a new upload's metadata. With quota > 0 it does
	// so only if CheckUploadQuota passes for the uploader's stored bytes,
	// read atomically with the insert (concurrent uploads cannot both
	// pass), and returns its error otherwise.
	CreateUpload(ctx context.Context, u Upload, quota int64) error
	// UploadByID returns an upload. ENOTFOUND if there is none.
	UploadByID(ctx context.Context, id string) (Upload, error)
	// UploadRooms returns the rooms of the live messages that attach the
	// upload (empty: not posted anywhere, or only in deleted messages).
	UploadRooms(ctx context.Context, id string) ([]string, error)
	// UploadBytes returns the total size of the user's stored uploads.
	UploadBytes(ctx context.Context, userID string) (int64, error)
	// UploadsByUser returns the user's stored uploads, oldest first (for
	// the account export).
	UploadsByUser(ctx context.Context, userID string) ([]Upload, error)
	// SetUploadThumb records the upload's thumbnail. ENOTFOUND if the
	// upload is gone.
	SetUploadThumb(ctx context.Context, id, key, contentType string) error
	// OrphanUploads returns up to limit uploads created before before that
	// no message attaches, oldest first.
	OrphanUploads(ctx context.Context, before time.Time, limit int) ([]Upload, error)
	// DeleteOrphanUpload deletes the upload's metadata if no message
	// attaches it (checked in the same statement, so an attachment racing
	// the sweep wins), and reports whether it did.
	DeleteOrphanUpload(ctx context.Context, id string) (bool, error)
}

// BlobStore keeps the bytes of uploads and thumbnails under keys made of
// [a-z0-9/-]. Implementations: internal/localfiles (a directory, the
// default) and internal/s3files; both pass filestest.TestBlobStore.
type BlobStore interface {
	// Put stores size bytes from r under key, replacing any blob there;
	// readers never see a partial blob.
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	// Open returns the blob for reading; Seek serves ranges. ENOTFOUND if
	// there is none.
	Open(ctx context.Context, key string) (Blob, error)
	// Stat returns the blob's size. ENOTFOUND if there is none.
	Stat(ctx context.Context, key string) (int64, error)
	// Delete removes the blob; a missing blob is not an error.
	Delete(ctx context.Context, key string) error
}

// Blob is an open blob: its bytes, seekable, and its size.
type Blob interface {
	io.ReadSeekCloser
	Size() int64
}

// Images measures images and makes thumbnails (internal/images).
type Images interface {
	// Config returns an image's dimensions from its header.
	Config(b []byte) (width, height int, err error)
	// Thumbnail scales the image down to fit maxSide x maxSide and encodes
	// it (PNG where the original may be transparent, JPEG otherwise).
	Thumbnail(b []byte, maxSide int) (thumb []byte, contentType string, err error)
}

// ValidBlobKey reports whether key is one this application makes: the
// adapters refuse others, so a key never escapes their directory or bucket
// prefix.
func ValidBlobKey(key string) bool {
	if key == "" || len(key) > 200 || strings.HasPrefix(key, "/") || strings.HasSuffix(key, "/") || strings.Contains(key, "//") {
		return false
	}
	for _, r := range key {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' && r != '/' {
			return false
		}
	}
	return true
}

// EncodeAttachments is what a store keeps of a message's attachments: the
// uploads' public fields, as a JSON array.
func EncodeAttachments(us []Upload) string {
	if len(us) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(us) // plain fields always encode
	return string(b)
}

// DecodeAttachments reads what EncodeAttachments wrote.
func DecodeAttachments(s, messageID string) ([]Upload, error) {
	out := []Upload{}
	if s == "" || s == "[]" {
		return out, nil
	}
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, fmt.Errorf("decode attachments of %s: %w", messageID, err)
	}
	return out, nil
}

// AttachmentsOf is the attachments of a message just appended (never nil).
func AttachmentsOf(m NewMessage) []Upload {
	if m.Attachments == nil {
		return []Upload{}
	}
	return slices.Clone(m.Attachments)
}

// CheckUploadQuota is the storage quota rule: a user whose stored files
// take used bytes may store size more within quota. The service checks it
// before reading a file (its declared size) and after (the bytes read),
// and each store again, atomically, with the insert.
func CheckUploadQuota(used, size, quota int64) error {
	if used+size > quota {
		return Errorf(ETOOLARGE, "your files use %d of your %d bytes of storage; delete messages with files you no longer need, or ask an administrator",
			used, quota)
	}
	return nil
}

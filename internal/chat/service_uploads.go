package chat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"
)

// FilesConfig configures uploads. Without Blobs, uploads are off.
type FilesConfig struct {
	Blobs  BlobStore
	Images Images // nil: no dimensions, no thumbnails
	// MaxBytes bounds one file, QuotaBytes all of one user's stored files
	// (a negative quota is unlimited); 0 means the defaults.
	MaxBytes   int64
	QuotaBytes int64
	// MemoryBytes bounds the upload bodies held in memory at once
	// (upload_memory.go); 0 means DefaultUploadMemoryBytes, or two files
	// at MaxBytes if that is more. It must exceed MaxBytes.
	MemoryBytes int64
	// PublicURL, if set, is where signed, expiring file URLs point (a CDN
	// whose origin is this instance); see files_signed.go.
	PublicURL string
	Secret    []byte
	// SignedTTL is how long a signed URL lives at least; 0 means DefaultSignedTTL.
	SignedTTL time.Duration
	// ThumbWorkers bounds thumbnails made at once in the background.
	ThumbWorkers int
	// SyncThumbBytes: images up to this size get their thumbnail before the
	// upload answers; larger ones in the background. 0 means DefaultSyncThumbBytes.
	SyncThumbBytes int64
}

// Defaults of FilesConfig.
const (
	DefaultThumbWorkers   = 2
	DefaultSyncThumbBytes = 2 << 20
	DefaultSignedTTL      = time.Hour
)

func (c FilesConfig) withDefaults() FilesConfig {
	if c.MaxBytes <= 0 {
		c.MaxBytes = DefaultUploadMaxBytes
	}
	if c.QuotaBytes == 0 {
		c.QuotaBytes = DefaultUploadQuotaBytes
	}
	if c.MemoryBytes <= 0 {
		c.MemoryBytes = max(DefaultUploadMemoryBytes, 2*(c.MaxBytes+1))
	}
	if c.ThumbWorkers <= 0 {
		c.ThumbWorkers = DefaultThumbWorkers
	}
	if c.SyncThumbBytes <= 0 {
		c.SyncThumbBytes = DefaultSyncThumbBytes
	}
	if c.SignedTTL <= 0 {
		c.SignedTTL = DefaultSignedTTL
	}
	return c
}

var errUploadNotFound = Errorf(ENOTFOUND, "upload not found")

// uploadTooLarge is the error of a file over MaxBytes.
func (s *Service) uploadTooLarge() error {
	return Errorf(ETOOLARGE, "the file is larger than the limit of %d bytes", s.files.MaxBytes)
}

// MaxUploadBytes is the limit on one file.
func (s *Service) MaxUploadBytes() int64 { return s.files.MaxBytes }

// CreateUpload stores a file the actor uploads: its type is sniffed from
// the content, metadata that can locate a photo is stripped, images are
// measured and get a thumbnail. size is the client's declared length (-1
// if unknown); r is read up to the limit and one byte more. Errors:
// ETOOLARGE (the file over MaxBytes, or the actor's quota full),
// EINVALID (name, an empty file), ERATELIMITED (LimitUploads),
// EUNAVAILABLE (uploads off).
func (s *Service) CreateUpload(ctx context.Context, actor User, name string, r io.Reader, size int64) (Upload, error) {
	if s.files.Blobs == nil {
		return Upload{}, Errorf(EUNAVAILABLE, "file uploads are not configured on this server")
	}
	name, err := ValidateUploadName(name)
	if err != nil {
		return Upload{}, err
	}
	if size > s.files.MaxBytes {
		return Upload{}, s.uploadTooLarge()
	}
	// Memory before the rate limit: a busy instance's 503 (try again) does
	// not spend the actor's upload budget. The bound is the file's most;
	// the quota may let less be read.
	need := s.files.MaxBytes
	if size >= 0 {
		need = size
	}
	release, err := s.uploadMem.take(actor.ID, need+1)
	if err != nil {
		return Upload{}, err
	}
	defer release()
	if err := s.Limit(ctx, LimitUploads, actor.ID); err != nil {
		return Upload{}, err
	}
	room, quota := s.files.MaxBytes, s.files.QuotaBytes
	var used int64
	if quota > 0 {
		if used, err = s.store.UploadBytes(ctx, actor.ID); err != nil {
			return Upload{}, err
		}
		// A file has a byte at least: with its size unknown (-1), a full
		// quota refuses it before it is read.
		if err := CheckUploadQuota(used, max(size, 1), quota); err != nil {
			return Upload{}, err
		}
		room = min(room, quota-used)
	}
	if size >= 0 { // the quota check above put it within room
		room = size
	}
	b, err := io.ReadAll(io.LimitReader(r, room+1))
	if err != nil {
		return Upload{}, err
	}
	switch {
	case int64(len(b)) > s.files.MaxBytes:
		return Upload{}, s.uploadTooLarge()
	case len(b) == 0:
		return Upload{}, Invalid("file", "is empty")
	case size >= 0 && int64(len(b)) != size:
		return Upload{}, Invalid("file", "does not have the %d bytes its length declared", size)
	}
	if quota > 0 {
		if err := CheckUploadQuota(used, int64(len(b)), quota); err != nil {
			return Upload{}, err
		}
	}
	u := Upload{ID: NewID(), Name: name, UploaderID: actor.ID, CreatedAt: NewTime(s.now())}
	u.Key = "files/" + u.ID
	u.ContentType = SniffType(b)
	if IsImageType(u.ContentType) {
		b = StripMetadata(u.ContentType, b)
		if s.files.Images == nil {
			u.ContentType = "application/octet-stream"
		} else if u.Width, u.Height, err = s.files.Images.Config(b); err != nil {
			u.ContentType, u.Width, u.Height = "application/octet-stream", 0, 0 // not decodable: a download
		}
	}
	u.Size = int64(len(b))
	if err := s.files.Blobs.Put(ctx, u.Key, bytes.NewReader(b), u.Size, u.ContentType); err != nil {
		return Upload{}, fmt.Errorf("store file: %w", err)
	}
	if err := s.store.CreateUpload(ctx, u, s.files.QuotaBytes); err != nil {
		_ = s.files.Blobs.Delete(context.WithoutCancel(ctx), u.Key) // e.g. a concurrent upload took the room
		return Upload{}, err
	}
	if u.IsImage() && (u.Width > ThumbMaxSide || u.Height > ThumbMaxSide) {
		if u.Size <= s.files.SyncThumbBytes && s.tryThumbSlot() {
			u = s.makeThumb(ctx, u, b)
			<-s.thumbSlots
		} else {
			s.thumbLater(u)
		}
	}
	return u.WithURLs(), nil
}

// makeThumb makes, stores and records u's thumbnail from its bytes b. A
// failure is logged: the thumbnail route then serves the original.
func (s *Service) makeThumb(ctx context.Context, u Upload, b []byte) Upload {
	thumb, ct, err := s.files.Images.Thumbnail(b, ThumbMaxSide)
	key := "thumbs/" + u.ID
	if err == nil {
		err = s.files.Blobs.Put(ctx, key, bytes.NewReader(thumb), int64(len(thumb)), ct)
	}
	if err == nil {
		err = s.store.SetUploadThumb(ctx, u.ID, key, ct)
	}
	if err != nil {
		s.log.WarnContext(ctx, "thumbnail failed", "upload", u.ID, "err", err)
		return u
	}
	u.ThumbKey, u.ThumbType = key, ct
	return u
}

// tryThumbSlot takes a thumbnail slot if one is free: a small image's
// thumbnail is made before the upload answers only then, so decoding
// (up to images.MaxPixels, whatever the file's size) stays bounded by
// ThumbWorkers.
func (s *Service) tryThumbSlot() bool {
	select {
	case s.thumbSlots <- struct{}{}:
		return true
	default:
		return false
	}
}

// thumbLater makes u's thumbnail in the background, at most ThumbWorkers
// at once. A waiting job holds only the upload: it reads the file back
// when its turn comes.
func (s *Service) thumbLater(u Upload) {
	s.background.Go(func() {
		s.thumbSlots <- struct{}{}
		defer func() { <-s.thumbSlots }()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		blob, err := s.files.Blobs.Open(ctx, u.Key)
		if err != nil {
			s.log.WarnContext(ctx, "thumbnail: read file", "upload", u.ID, "err", err)
			return
		}
		defer blob.Close()
		b, err := io.ReadAll(blob)
		if err != nil {
			s.log.WarnContext(ctx, "thumbnail: read file", "upload", u.ID, "err", err)
			return
		}
		s.makeThumb(ctx, u, b)
	})
}

// WaitBackground waits for the background work started so far:
// thumbnails and publish retries (shutdown, before the broker and the
// database close; tests).
func (s *Service) WaitBackground() { s.background.Wait() }

// Upload returns an upload the actor may see: its uploader while no
// message attaches it, then whoever may read a room where it was posted.
// Anyone else gets ENOTFOUND, as for an upload that does not exist.
func (s *Service) Upload(ctx context.Context, actor User, id string) (Upload, error) {
	if !ValidID(id) {
		return Upload{}, errUploadNotFound
	}
	u, err := s.store.UploadByID(ctx, id)
	if ErrorCode(err) == ENOTFOUND {
		return Upload{}, errUploadNotFound
	}
	if err != nil {
		return Upload{}, err
	}
	rooms, err := s.store.UploadRooms(ctx, id)
	if err != nil {
		return Upload{}, err
	}
	if len(rooms) == 0 {
		if u.UploaderID != actor.ID {
			return Upload{}, errUploadNotFound
		}
		return u.WithURLs(), nil
	}
	for _, room := range rooms {
		err := s.CanRead(ctx, actor, room)
		if err == nil {
			return u.WithURLs(), nil
		}
		if ErrorCode(err) != ENOTFOUND {
			return Upload{}, err
		}
	}
	return Upload{}, errUploadNotFound
}

// FileContent is what a file route serves: an open blob with the type and
// disposition to serve it under, or a signed URL to redirect to.
type FileContent struct {
	Upload      Upload
	Blob        Blob   // nil when Redirect is set; the caller closes it
	ContentType string // image types as sniffed; everything else application/octet-stream
	Inline      bool   // images show in the browser; anything else downloads
	ETag        string
	Redirect    string
}

// OpenUpload opens an upload the actor may see (Upload), or its thumbnail
// (the original while there is none). With a PublicURL it returns a signed
// URL instead. Errors: ENOTFOUND.
func (s *Service) OpenUpload(ctx context.Context, actor User, id string, thumb bool) (FileContent, error) {
	u, err := s.Upload(ctx, actor, id)
	if err != nil {
		return FileContent{}, err
	}
	if thumb && !u.IsImage() {
		return FileContent{}, Errorf(ENOTFOUND, "this file has no thumbnail")
	}
	if s.files.PublicURL != "" {
		return FileContent{Upload: u, Redirect: s.signedURL(u.ID, thumb)}, nil
	}
	return s.openBlob(ctx, u, thumb)
}

func (s *Service) openBlob(ctx context.Context, u Upload, thumb bool) (FileContent, error) {
	fc := FileContent{Upload: u, ContentType: "application/octet-stream", ETag: `"` + u.ID + `"`}
	key := u.Key
	if u.IsImage() {
		fc.ContentType, fc.Inline = u.ContentType, true
		if thumb && u.ThumbKey != "" {
			key, fc.ContentType, fc.ETag = u.ThumbKey, u.ThumbType, `"`+u.ID+`-thumb"`
		}
	}
	blob, err := s.files.Blobs.Open(ctx, key)
	if ErrorCode(err) == ENOTFOUND {
		return FileContent{}, fmt.Errorf("upload %s: blob %s is missing: %w", u.ID, key, err) // metadata without bytes: a 500, and logged
	}
	if err != nil {
		return FileContent{}, err
	}
	fc.Blob = blob
	return fc, nil
}

// resolveAttachments turns a post's upload ids into uploads: at most
// AttachmentsPerMessage distinct ids, each the actor's own upload and
// visible to it. Any other id, someone else's included, is "not found".
func (s *Service) resolveAttachments(ctx context.Context, actor User, ids []string) ([]Upload, error) {
	if len(ids) > AttachmentsPerMessage {
		return nil, Invalid("attachments", "at most %d files per message", AttachmentsPerMessage)
	}
	out := make([]Upload, 0, len(ids))
	for i, id := range ids {
		if slices.Contains(ids[:i], id) {
			return nil, Invalid("attachments", "upload %s is listed twice", id)
		}
		u, err := s.Upload(ctx, actor, id)
		if ErrorCode(err) == ENOTFOUND || (err == nil && u.UploaderID != actor.ID) {
			return nil, Invalid("attachments", "upload %s not found", id)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

// SweepUploads deletes the uploads (metadata, file and thumbnail) that no
// message attaches and that are older than UploadOrphanAge at now: never
// posted, or detached when their messages were deleted. It returns how
// many it deleted. Run it periodically (the cleanup job).
func (s *Service) SweepUploads(ctx context.Context, now time.Time) (int, error) {
	if s.files.Blobs == nil {
		return 0, nil
	}
	const batch = 100
	n := 0
	var errs []error
	for {
		orphans, err := s.store.OrphanUploads(ctx, now.Add(-UploadOrphanAge), batch)
		if err != nil {
			return n, err
		}
		for _, u := range orphans {
			deleted, err := s.store.DeleteOrphanUpload(ctx, u.ID)
			if err != nil {
				return n, err
			}
			if !deleted { // attached meanwhile
				continue
			}
			n++
			for _, key := range []string{u.Key, u.ThumbKey} {
				if key != "" {
					if err := s.files.Blobs.Delete(ctx, key); err != nil {
						errs = append(errs, fmt.Errorf("upload %s: %w", u.ID, err))
					}
				}
			}
		}
		if len(orphans) < batch {
			return n, errors.Join(errs...)
		}
	}
}

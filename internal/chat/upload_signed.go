package chat

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
)

// Signed file URLs. With FilesConfig.PublicURL (a CDN in front of this
// instance), the file routes answer an authorized reader with a redirect
// to PublicURL + /api/v1/files/{id}[/thumb]?exp=…&sig=…, which the CDN
// fetches from this instance and caches; the signature, an HMAC of the
// path and the expiry under the server's secret, is the authorization.
// The expiry is rounded up to a whole SignedTTL window and one window
// added, so a URL lives between one and two windows and every reader in a
// window gets the same URL: the CDN caches one copy per file.

// signedURL returns the signed URL of an upload or its thumbnail.
func (s *Service) signedURL(id string, thumb bool) string {
	ttl := int64(s.files.SignedTTL.Seconds())
	exp := (s.now().Unix()/ttl + 2) * ttl
	p := SignedFilePath(id, thumb)
	return strings.TrimSuffix(s.files.PublicURL, "/") + p + "?exp=" + strconv.FormatInt(exp, 10) + "&sig=" + s.fileSig(p, exp)
}

// SignedFilePath is the path a signed URL names.
func SignedFilePath(id string, thumb bool) string {
	p := "/api/v1/files/" + id
	if thumb {
		p += "/thumb"
	}
	return p
}

func (s *Service) fileSig(path string, exp int64) string {
	mac := hmac.New(sha256.New, s.files.Secret)
	mac.Write([]byte("file\x00" + path + "\x00" + strconv.FormatInt(exp, 10)))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// OpenSignedUpload opens the file (or thumbnail) a signed URL names, if
// its signature holds and it has not expired; the signature stands for
// the authorization of the reader it was issued to. It also returns the
// expiry, until which the answer may be cached. Errors: ENOTFOUND (a bad
// or expired signature, like a missing file: nothing to learn from it).
func (s *Service) OpenSignedUpload(ctx context.Context, id string, thumb bool, expParam, sig string) (FileContent, int64, error) {
	exp, err := strconv.ParseInt(expParam, 10, 64)
	if s.files.Blobs == nil || len(s.files.Secret) == 0 || err != nil || exp < s.now().Unix() || !ValidID(id) ||
		!hmac.Equal([]byte(sig), []byte(s.fileSig(SignedFilePath(id, thumb), exp))) {
		return FileContent{}, 0, errUploadNotFound
	}
	u, err := s.store.UploadByID(ctx, id)
	if ErrorCode(err) == ENOTFOUND {
		return FileContent{}, 0, errUploadNotFound
	}
	if err != nil {
		return FileContent{}, 0, err
	}
	if thumb && !u.IsImage() {
		return FileContent{}, 0, errUploadNotFound
	}
	fc, err := s.openBlob(ctx, u.WithURLs(), thumb)
	return fc, exp, err
}

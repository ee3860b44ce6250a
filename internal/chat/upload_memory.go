package chat

import "sync"

// An upload's body is held in memory while it is checked and stored:
// sniffing its type, stripping an image's metadata and measuring it need
// the whole file. Without a bound, concurrent uploads (a few accounts
// each sending files at the size limit) could take all of an instance's
// memory. uploadMemory bounds the bytes one instance holds for bodies at
// once, and one uploader's share of them, so one person's uploads cannot
// starve everyone else's either. An upload reserves its declared length
// (the most it may read when the length is unknown: a multipart body)
// before reading, and an upload that does not fit is refused at once with
// EUNAVAILABLE (HTTP 503): holding the request while waiting would only
// move the pile-up elsewhere. Thumbnails have their own bound
// (FilesConfig.ThumbWorkers).

// DefaultUploadMemoryBytes is the default of FilesConfig.MemoryBytes: ten
// files at the default size limit.
const DefaultUploadMemoryBytes = 256 << 20

type uploadMemory struct {
	total, perUser int64
	mu             sync.Mutex
	used           int64
	byUser         map[string]int64
}

// newUploadMemory bounds bodies to total bytes, a quarter of it per
// uploader but always room for one file of maxFile bytes.
func newUploadMemory(total, maxFile int64) *uploadMemory {
	return &uploadMemory{total: total, perUser: min(total, max(total/4, maxFile+1)), byUser: map[string]int64{}}
}

// take reserves n bytes for an upload of userID's, or refuses it
// (EUNAVAILABLE). release gives the bytes back; call it once.
func (m *uploadMemory) take(userID string, n int64) (release func(), err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case m.byUser[userID]+n > m.perUser:
		return nil, Errorf(EUNAVAILABLE, "your uploads in progress already use your share of this server's upload memory; retry when one has finished")
	case m.used+n > m.total:
		return nil, Errorf(EUNAVAILABLE, "this server is busy storing other uploads; retry in a moment")
	}
	m.used += n
	m.byUser[userID] += n
	return func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.used -= n
		if m.byUser[userID] -= n; m.byUser[userID] == 0 {
			delete(m.byUser, userID)
		}
	}, nil
}

package instrument

import (
	"context"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// The chat.UploadStore methods, each the wrapped call under its name.

func (s *Store) CreateUpload(ctx context.Context, u chat.Upload, quota int64) error {
	return call0(s, ctx, "CreateUpload", func(ctx context.Context) error { return s.st.CreateUpload(ctx, u, quota) })
}

func (s *Store) UploadByID(ctx context.Context, id string) (chat.Upload, error) {
	return call(s, ctx, "UploadByID", func(ctx context.Context) (chat.Upload, error) { return s.st.UploadByID(ctx, id) })
}

func (s *Store) UploadRooms(ctx context.Context, id string) ([]string, error) {
	return call(s, ctx, "UploadRooms", func(ctx context.Context) ([]string, error) { return s.st.UploadRooms(ctx, id) })
}

func (s *Store) UploadBytes(ctx context.Context, userID string) (int64, error) {
	return call(s, ctx, "UploadBytes", func(ctx context.Context) (int64, error) { return s.st.UploadBytes(ctx, userID) })
}

func (s *Store) UploadsByUser(ctx context.Context, userID string) ([]chat.Upload, error) {
	return call(s, ctx, "UploadsByUser", func(ctx context.Context) ([]chat.Upload, error) { return s.st.UploadsByUser(ctx, userID) })
}

func (s *Store) SetUploadThumb(ctx context.Context, id, key, contentType string) error {
	return call0(s, ctx, "SetUploadThumb", func(ctx context.Context) error { return s.st.SetUploadThumb(ctx, id, key, contentType) })
}

func (s *Store) OrphanUploads(ctx context.Context, before time.Time, limit int) ([]chat.Upload, error) {
	return call(s, ctx, "OrphanUploads", func(ctx context.Context) ([]chat.Upload, error) { return s.st.OrphanUploads(ctx, before, limit) })
}

func (s *Store) DeleteOrphanUpload(ctx context.Context, id string) (bool, error) {
	return call(s, ctx, "DeleteOrphanUpload", func(ctx context.Context) (bool, error) { return s.st.DeleteOrphanUpload(ctx, id) })
}

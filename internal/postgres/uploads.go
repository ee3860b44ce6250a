package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/open-chat/openchat/internal/chat"
)

const uploadCols = `id, uploader_id, name, size, content_type, width, height, blob_key, thumb_key, thumb_type, created_at`

func scanUpload(row pgx.Row) (chat.Upload, error) {
	var u chat.Upload
	var created time.Time
	err := row.Scan(&u.ID, &u.UploaderID, &u.Name, &u.Size, &u.ContentType, &u.Width, &u.Height, &u.Key, &u.ThumbKey, &u.ThumbType, &created)
	u.CreatedAt = ts(created)
	return u, err
}

// attach writes the attachment rows of a message being appended in tx.
func attach(ctx context.Context, tx pgx.Tx, m chat.NewMessage) error {
	if len(m.Attachments) == 0 {
		return nil
	}
	ids := make([]string, len(m.Attachments))
	for i, u := range m.Attachments {
		ids[i] = u.ID
	}
	if _, err := tx.Exec(ctx, `INSERT INTO message_uploads (message_id, upload_id, room_id) SELECT $1, unnest($2::text[]), $3`,
		m.ID, ids, m.RoomID); err != nil {
		return fmt.Errorf("attach uploads: %w", err) // an upload swept meanwhile fails the reference
	}
	return nil
}

// CreateUpload implements chat.UploadStore. A transaction-scoped advisory
// lock on the uploader serializes the quota check with concurrent uploads.
func (s *Store) CreateUpload(ctx context.Context, u chat.Upload, quota int64) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if quota > 0 {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('uploads:' || $1, 0))`, u.UploaderID); err != nil {
				return err
			}
			var used int64
			if err := tx.QueryRow(ctx, `SELECT coalesce(sum(size), 0)::bigint FROM uploads WHERE uploader_id = $1`, u.UploaderID).Scan(&used); err != nil {
				return err
			}
			if err := chat.CheckUploadQuota(used, u.Size, quota); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO uploads (`+uploadCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			u.ID, u.UploaderID, u.Name, u.Size, u.ContentType, u.Width, u.Height, u.Key, u.ThumbKey, u.ThumbType, u.CreatedAt.Time)
		return err
	})
	if err != nil {
		return fmt.Errorf("create upload: %w", err)
	}
	return nil
}

// UploadByID implements chat.UploadStore.
func (s *Store) UploadByID(ctx context.Context, id string) (chat.Upload, error) {
	u, err := scanUpload(s.pool.QueryRow(ctx, `SELECT `+uploadCols+` FROM uploads WHERE id = $1`, id))
	switch {
	case isNoRows(err):
		return chat.Upload{}, chat.Errorf(chat.ENOTFOUND, "upload not found")
	case err != nil:
		return chat.Upload{}, fmt.Errorf("upload by id: %w", err)
	}
	return u, nil
}

// UploadRooms implements chat.UploadStore.
func (s *Store) UploadRooms(ctx context.Context, id string) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT room_id FROM message_uploads WHERE upload_id = $1 ORDER BY room_id`, id)
	if err != nil {
		return nil, fmt.Errorf("upload rooms: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("upload rooms: %w", err)
	}
	if out == nil {
		out = []string{}
	}
	return out, nil
}

// UploadBytes implements chat.UploadStore.
func (s *Store) UploadBytes(ctx context.Context, userID string) (int64, error) {
	var n int64
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(sum(size), 0)::bigint FROM uploads WHERE uploader_id = $1`, userID).Scan(&n); err != nil {
		return 0, fmt.Errorf("upload bytes: %w", err)
	}
	return n, nil
}

// SetUploadThumb implements chat.UploadStore.
func (s *Store) SetUploadThumb(ctx context.Context, id, key, contentType string) error {
	tag, err := s.pool.Exec(ctx, `UPDATE uploads SET thumb_key = $1, thumb_type = $2 WHERE id = $3`, key, contentType, id)
	if err != nil {
		return fmt.Errorf("set upload thumb: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return chat.Errorf(chat.ENOTFOUND, "upload not found")
	}
	return nil
}

// OrphanUploads implements chat.UploadStore.
func (s *Store) OrphanUploads(ctx context.Context, before time.Time, limit int) ([]chat.Upload, error) {
	return s.queryUploads(ctx, "orphan uploads", `SELECT `+uploadCols+` FROM uploads u WHERE created_at < $1
		AND NOT EXISTS (SELECT 1 FROM message_uploads mu WHERE mu.upload_id = u.id) ORDER BY created_at, id LIMIT $2`, before, limit)
}

// UploadsByUser implements chat.UploadStore.
func (s *Store) UploadsByUser(ctx context.Context, userID string) ([]chat.Upload, error) {
	return s.queryUploads(ctx, "uploads by user", `SELECT `+uploadCols+` FROM uploads WHERE uploader_id = $1 ORDER BY created_at, id`, userID)
}

// queryUploads runs a query of uploadCols rows; what names it in errors.
func (s *Store) queryUploads(ctx context.Context, what, query string, args ...any) ([]chat.Upload, error) {
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (chat.Upload, error) { return scanUpload(r) })
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// DeleteOrphanUpload implements chat.UploadStore.
func (s *Store) DeleteOrphanUpload(ctx context.Context, id string) (bool, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM uploads WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM message_uploads WHERE upload_id = $1)`, id)
	if err != nil {
		return false, fmt.Errorf("delete upload: %w", err)
	}
	return tag.RowsAffected() > 0, nil
}

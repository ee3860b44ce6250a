package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

const uploadCols = `id, uploader_id, name, size, content_type, width, height, blob_key, thumb_key, thumb_type, created_at`

func scanUpload(sc scanner) (chat.Upload, error) {
	var u chat.Upload
	var created int64
	err := sc.Scan(&u.ID, &u.UploaderID, &u.Name, &u.Size, &u.ContentType, &u.Width, &u.Height, &u.Key, &u.ThumbKey, &u.ThumbType, &created)
	u.CreatedAt = fromMS(created)
	return u, err
}

// CreateUpload implements chat.UploadStore. Writes are serialized, so the
// quota check in the same transaction cannot race another upload.
func (s *Store) CreateUpload(ctx context.Context, u chat.Upload, quota int64) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		if quota > 0 {
			var used int64
			if err := tx.QueryRowContext(ctx, `SELECT coalesce(sum(size), 0) FROM uploads WHERE uploader_id = ?`, u.UploaderID).Scan(&used); err != nil {
				return err
			}
			if err := chat.CheckUploadQuota(used, u.Size, quota); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO uploads (`+uploadCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			u.ID, u.UploaderID, u.Name, u.Size, u.ContentType, u.Width, u.Height, u.Key, u.ThumbKey, u.ThumbType, ms(u.CreatedAt.Time))
		return err
	})
	if err != nil {
		return fmt.Errorf("create upload: %w", err)
	}
	return nil
}

// UploadByID implements chat.UploadStore.
func (s *Store) UploadByID(ctx context.Context, id string) (chat.Upload, error) {
	u, err := scanUpload(s.r.QueryRowContext(ctx, `SELECT `+uploadCols+` FROM uploads WHERE id = ?`, id))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return chat.Upload{}, chat.Errorf(chat.ENOTFOUND, "upload not found")
	case err != nil:
		return chat.Upload{}, fmt.Errorf("upload by id: %w", err)
	}
	return u, nil
}

// UploadRooms implements chat.UploadStore.
func (s *Store) UploadRooms(ctx context.Context, id string) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT DISTINCT room_id FROM message_uploads WHERE upload_id = ? ORDER BY room_id`, id)
	if err != nil {
		return nil, fmt.Errorf("upload rooms: %w", err)
	}
	out, err := collectRows(rows, rowTo[string])
	if err != nil {
		return nil, fmt.Errorf("upload rooms: %w", err)
	}
	return out, nil
}

// UploadBytes implements chat.UploadStore.
func (s *Store) UploadBytes(ctx context.Context, userID string) (int64, error) {
	var n int64
	if err := s.r.QueryRowContext(ctx, `SELECT coalesce(sum(size), 0) FROM uploads WHERE uploader_id = ?`, userID).Scan(&n); err != nil {
		return 0, fmt.Errorf("upload bytes: %w", err)
	}
	return n, nil
}

// SetUploadThumb implements chat.UploadStore.
func (s *Store) SetUploadThumb(ctx context.Context, id, key, contentType string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE uploads SET thumb_key = ?, thumb_type = ? WHERE id = ?`, key, contentType, id)
		if err != nil {
			return fmt.Errorf("set upload thumb: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return chat.Errorf(chat.ENOTFOUND, "upload not found")
		}
		return nil
	})
}

// OrphanUploads implements chat.UploadStore.
func (s *Store) OrphanUploads(ctx context.Context, before time.Time, limit int) ([]chat.Upload, error) {
	return s.queryUploads(ctx, "orphan uploads", `SELECT `+uploadCols+` FROM uploads u WHERE created_at < ?
		AND NOT EXISTS (SELECT 1 FROM message_uploads mu WHERE mu.upload_id = u.id) ORDER BY created_at, id LIMIT ?`, ms(before), limit)
}

// UploadsByUser implements chat.UploadStore.
func (s *Store) UploadsByUser(ctx context.Context, userID string) ([]chat.Upload, error) {
	return s.queryUploads(ctx, "uploads by user", `SELECT `+uploadCols+` FROM uploads WHERE uploader_id = ? ORDER BY created_at, id`, userID)
}

// queryUploads runs a query of uploadCols rows; what names it in errors.
func (s *Store) queryUploads(ctx context.Context, what, query string, args ...any) ([]chat.Upload, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	out, err := collectRows(rows, scanUpload)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// DeleteOrphanUpload implements chat.UploadStore.
func (s *Store) DeleteOrphanUpload(ctx context.Context, id string) (bool, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM uploads WHERE id = ? AND NOT EXISTS (SELECT 1 FROM message_uploads WHERE upload_id = ?)`, id, id)
		if err != nil {
			return fmt.Errorf("delete upload: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return n > 0, err
}

package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// MessagesByAuthor implements chat.AccountDataStore. No index leads with
// the author (one would cost every message its bytes): the walk follows
// the (room_id, seq) index and filters, so an export reads the table once.
func (s *Store) MessagesByAuthor(ctx context.Context, userID string, after chat.MessageKey, limit int) ([]chat.Message, error) {
	return s.queryMessages(ctx, "messages by author", `SELECT `+msgCols+` FROM messages m JOIN users u ON u.id = m.author_id
		WHERE m.author_id = ? AND (m.room_id, m.seq) > (?, ?) ORDER BY m.room_id, m.seq LIMIT ?`,
		userID, after.RoomID, after.Seq, limit)
}

// ReactionsByUser implements chat.AccountDataStore.
func (s *Store) ReactionsByUser(ctx context.Context, userID string, after chat.ReactionKey, limit int) ([]chat.UserReaction, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT r.message_id, m.room_id, m.seq, r.emoji, r.created_at
		FROM reactions r JOIN messages m ON m.id = r.message_id
		WHERE r.user_id = ? AND (r.message_id, r.emoji) > (?, ?) ORDER BY r.message_id, r.emoji LIMIT ?`,
		userID, after.MessageID, after.Emoji, limit)
	if err != nil {
		return nil, fmt.Errorf("reactions by user: %w", err)
	}
	out, err := collectRows(rows, func(sc scanner) (chat.UserReaction, error) {
		var r chat.UserReaction
		var created int64
		err := sc.Scan(&r.MessageID, &r.RoomID, &r.Seq, &r.Emoji, &created)
		r.CreatedAt = fromMS(created)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("reactions by user: %w", err)
	}
	return out, nil
}

// EraseUser implements chat.AccountDataStore.
func (s *Store) EraseUser(ctx context.Context, userID, username string, now time.Time) ([]string, error) {
	var ended []string
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET username = ?, display_name = ?, email = '', email_key = '',
			email_verified = 0, verify_mail_at = NULL, password_hash = '', email_notifications = ?, deleted_at = ?
			WHERE id = ? AND deleted_at IS NULL`, username, chat.DeletedDisplayName, string(chat.NotifyNever), ms(now), userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return chat.Errorf(chat.ENOTFOUND, "user not found")
		}
		for _, q := range eraseUserRows {
			if _, err := tx.ExecContext(ctx, q, userID); err != nil {
				return err
			}
		}
		ended, err = deleteSessions(ctx, tx, userID, "")
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("erase user: %w", err)
	}
	return ended, nil
}

// eraseUserRows delete what belongs to a user, children first. Reactions
// and memberships are normally gone already (the service removes them one
// by one, publishing each); these catch any added meanwhile.
var eraseUserRows = []string{
	`DELETE FROM mentions WHERE user_id = ?`,
	`DELETE FROM notifications WHERE user_id = ?`,
	`DELETE FROM mail_batches WHERE user_id = ?`,
	`DELETE FROM reactions WHERE user_id = ?`,
	`DELETE FROM room_members WHERE user_id = ?`,
}

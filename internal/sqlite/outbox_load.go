package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/open-chat/openchat/internal/chat"
)

// batches loads the batches a WHERE/ORDER clause over mail_batches b selects,
// each with its user and its items (oldest first).
func (s *Store) batches(ctx context.Context, clause string, args ...any) ([]chat.MailBatch, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT b.id, b.kind, b.status, b.attempts, b.last_error, b.created_at, b.next_attempt_at,
		u.id, u.username, u.display_name, u.email, u.email_notifications, u.email_verified, u.password_hash, u.created_at
		FROM mail_batches b JOIN users u ON u.id = b.user_id `+clause, args...)
	if err != nil {
		return nil, fmt.Errorf("load batches: %w", err)
	}
	out := []chat.MailBatch{}
	index := map[string]int{}
	for rows.Next() {
		var b chat.MailBatch
		var kind, status string
		var created, next int64
		var pref string
		var uCreated int64
		u := &b.User
		if err := rows.Scan(&b.ID, &kind, &status, &b.Attempts, &b.LastError, &created, &next,
			&u.ID, &u.Username, &u.DisplayName, &u.Email, &pref, &u.EmailVerified, &u.PasswordHash, &uCreated); err != nil {
			rows.Close()
			return nil, fmt.Errorf("scan batch: %w", err)
		}
		b.Kind, b.Status, b.CreatedAt, b.NextAttempt = chat.BatchKind(kind), chat.BatchStatus(status), fromMS(created), fromMS(next)
		u.EmailNotifications, u.CreatedAt = chat.NotifyPref(pref), fromMS(uCreated)
		b.Items = []chat.MentionItem{}
		index[b.ID] = len(out)
		out = append(out, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load batches: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	ids := make([]string, len(out))
	for i, b := range out {
		ids[i] = b.ID
	}
	if err := s.batchItems(ctx, s.r, ids, func(batchID string, it chat.MentionItem) {
		b := &out[index[batchID]]
		b.Items = append(b.Items, it)
	}); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Store) batchItems(ctx context.Context, db *sql.DB, ids []string, add func(string, chat.MentionItem)) error {
	rows, err := db.QueryContext(ctx, `SELECT `+msgCols+`, n.batch_id, r.name, r.visibility
		FROM notifications n JOIN messages m ON m.id = n.message_id JOIN users u ON u.id = m.author_id JOIN rooms r ON r.id = n.room_id
		WHERE n.batch_id IN (`+placeholders(len(ids))+`) AND m.deleted_at IS NULL ORDER BY m.created_at, n.id`, anys(ids)...)
	if err != nil {
		return fmt.Errorf("load batch items: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var batchID string
		var it chat.MentionItem
		m, err := scanMessage(rows, &batchID, &it.Room.Name, &it.Room.Visibility)
		if err != nil {
			return fmt.Errorf("scan batch item: %w", err)
		}
		it.Message, it.Room.ID = m, m.RoomID
		add(batchID, it)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load batch items: %w", err)
	}
	return nil
}

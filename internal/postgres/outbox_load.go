package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// batches loads the batches a WHERE/ORDER clause over mail_batches b selects,
// each with its user and its items (oldest first).
func (s *Store) batches(ctx context.Context, clause string, args ...any) ([]chat.MailBatch, error) {
	rows, err := s.pool.Query(ctx, `SELECT b.id, b.kind, b.status, b.attempts, b.last_error, b.created_at, b.next_attempt_at, `+userCols+`
		FROM mail_batches b JOIN users u ON u.id = b.user_id `+clause, args...)
	if err != nil {
		return nil, fmt.Errorf("load batches: %w", err)
	}
	defer rows.Close()
	out := []chat.MailBatch{}
	index := map[string]int{}
	for rows.Next() {
		var b chat.MailBatch
		var kind, status, pref string
		var created, next, uCreated time.Time
		u := &b.User
		if err := rows.Scan(&b.ID, &kind, &status, &b.Attempts, &b.LastError, &created, &next,
			&u.ID, &u.Username, &u.DisplayName, &u.Email, &pref, &u.EmailVerified, &u.PasswordHash, &uCreated); err != nil {
			return nil, fmt.Errorf("scan batch: %w", err)
		}
		b.Kind, b.Status, b.CreatedAt, b.NextAttempt = chat.BatchKind(kind), chat.BatchStatus(status), ts(created), ts(next)
		u.EmailNotifications, u.CreatedAt = chat.NotifyPref(pref), ts(uCreated)
		b.Items = []chat.MentionItem{}
		index[b.ID] = len(out)
		out = append(out, b)
	}
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
	items, err := s.pool.Query(ctx, `SELECT `+msgCols+`, n.batch_id, r.name, r.visibility
		FROM notifications n JOIN messages m ON m.id = n.message_id JOIN users u ON u.id = m.author_id JOIN rooms r ON r.id = n.room_id
		WHERE n.batch_id = ANY($1) AND m.deleted_at IS NULL ORDER BY m.created_at, n.id`, ids)
	if err != nil {
		return nil, fmt.Errorf("load batch items: %w", err)
	}
	defer items.Close()
	for items.Next() {
		var batchID string
		var it chat.MentionItem
		m, err := scanMessage(items, &batchID, &it.Room.Name, &it.Room.Visibility)
		if err != nil {
			return nil, fmt.Errorf("scan batch item: %w", err)
		}
		it.Message, it.Room.ID = m, m.RoomID
		b := &out[index[batchID]]
		b.Items = append(b.Items, it)
	}
	if err := items.Err(); err != nil {
		return nil, fmt.Errorf("load batch items: %w", err)
	}
	return out, nil
}

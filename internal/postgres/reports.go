package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/open-chat/openchat/internal/chat"
)

// reportSelect reads reports with their room, message, reporter and
// resolver; a WHERE/ORDER clause follows.
const reportSelect = `SELECT p.id, p.room_id, r.name, r.visibility, p.seq, p.message_id, a.id, a.username, a.display_name,
	m.body, m.deleted_at IS NOT NULL, u.id, u.username, u.display_name, p.reason, p.status,
	v.id, v.username, v.display_name, p.action, p.created_at, p.resolved_at
	FROM reports p JOIN rooms r ON r.id = p.room_id JOIN messages m ON m.id = p.message_id
	JOIN users a ON a.id = m.author_id JOIN users u ON u.id = p.reporter_id LEFT JOIN users v ON v.id = p.resolved_by `

func scanReport(row pgx.Row) (chat.Report, error) {
	var p chat.Report
	var vID, vName, vDisplay *string
	var created time.Time
	var resolved *time.Time
	err := row.Scan(&p.ID, &p.Room.ID, &p.Room.Name, &p.Room.Visibility, &p.Seq, &p.MessageID,
		&p.Message.Author.ID, &p.Message.Author.Username, &p.Message.Author.DisplayName, &p.Message.Body, &p.Message.Deleted,
		&p.Reporter.ID, &p.Reporter.Username, &p.Reporter.DisplayName, &p.Reason, &p.Status,
		&vID, &vName, &vDisplay, &p.Action, &created, &resolved)
	if err != nil {
		return chat.Report{}, err
	}
	if vID != nil {
		p.ResolvedBy = &chat.UserRef{ID: *vID, Username: *vName, DisplayName: *vDisplay}
	}
	p.CreatedAt, p.ResolvedAt = ts(created), optTime(resolved)
	return p, nil
}

// CreateReport stores an open report; ECONFLICT for a second open one.
func (s *Store) CreateReport(ctx context.Context, p chat.Report) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO reports (id, room_id, message_id, seq, reporter_id, reason, status, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, 'open', $7)`, p.ID, p.Room.ID, p.MessageID, p.Seq, p.Reporter.ID, p.Reason, p.CreatedAt.Time)
	switch {
	case isUnique(err):
		return chat.Errorf(chat.ECONFLICT, "you have already reported this message")
	case err != nil:
		return fmt.Errorf("create report: %w", err)
	}
	return nil
}

// ReportByID returns one report.
func (s *Store) ReportByID(ctx context.Context, id string) (chat.Report, error) {
	p, err := scanReport(s.pool.QueryRow(ctx, reportSelect+`WHERE p.id = $1`, id))
	switch {
	case isNoRows(err):
		return chat.Report{}, chat.Errorf(chat.ENOTFOUND, "report not found")
	case err != nil:
		return chat.Report{}, fmt.Errorf("report: %w", err)
	}
	return p, nil
}

// Reports pages reports newest first.
func (s *Store) Reports(ctx context.Context, q chat.ReportQuery) ([]chat.Report, error) {
	rows, err := s.pool.Query(ctx, reportSelect+`WHERE p.status = $1 AND ($2 = '' OR p.id COLLATE "C" < $2) AND ($3 = '' OR p.room_id IN
		(SELECT room_id FROM room_members WHERE user_id = $3 AND role IN ('owner', 'moderator'))) ORDER BY p.id COLLATE "C" DESC LIMIT $4`,
		string(q.Status), q.Before, q.ModeratorID, q.Limit)
	if err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (chat.Report, error) { return scanReport(r) })
	if err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	return out, nil
}

// ResolveReport closes an open report and writes the audit entry.
func (s *Store) ResolveReport(ctx context.Context, id string, status chat.ReportStatus, by chat.UserRef, action string, at time.Time,
	audit chat.AuditEntry) (chat.Report, error) {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE reports SET status = $1, resolved_by = $2, action = $3, resolved_at = $4
			WHERE id = $5 AND status = 'open'`, string(status), by.ID, action, at, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return chat.Errorf(chat.ECONFLICT, "this report is already closed")
		}
		return insertAudit(ctx, tx, audit)
	})
	if err != nil {
		return chat.Report{}, fmt.Errorf("resolve report: %w", err)
	}
	return s.ReportByID(ctx, id)
}

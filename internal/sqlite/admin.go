package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// insertAudit writes an audit entry in tx.
func insertAudit(ctx context.Context, tx *sql.Tx, e chat.AuditEntry) error {
	details := string(e.Details)
	if details == "" {
		details = "{}"
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO audit_log (actor_id, actor_name, action, target_type, target_id, details, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, e.ActorID, e.ActorName, e.Action, e.TargetType, e.TargetID, details, ms(e.CreatedAt.Time))
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// updateUser runs an UPDATE of one user (id is its last argument) that
// returns userCols; ENOTFOUND if no row matched.
func updateUser(ctx context.Context, tx *sql.Tx, set string, args ...any) (chat.User, error) {
	u, err := scanUser(tx.QueryRowContext(ctx, `UPDATE users SET `+set+` WHERE id = ? RETURNING `+userCols, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return chat.User{}, chat.Errorf(chat.ENOTFOUND, "user not found")
	}
	return u, err
}

// SetAdmin grants or revokes admin; the one writer connection serializes
// the last-admin check with every other write.
func (s *Store) SetAdmin(ctx context.Context, userID string, admin bool, audit chat.AuditEntry) (chat.User, error) {
	var u chat.User
	err := s.write(ctx, func(tx *sql.Tx) error {
		if !admin {
			var others int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE admin = 1 AND deactivated_at IS NULL AND id <> ?`,
				userID).Scan(&others); err != nil {
				return err
			}
			if others == 0 {
				return chat.Errorf(chat.ECONFLICT, "this is the last active admin; grant admin to someone else first")
			}
		}
		var err error
		if u, err = updateUser(ctx, tx, `admin = ?`, admin, userID); err != nil {
			return err
		}
		return insertAudit(ctx, tx, audit)
	})
	if err != nil {
		return chat.User{}, fmt.Errorf("set admin: %w", err)
	}
	return u, nil
}

// SetDeactivated deactivates or reactivates a user; deactivating deletes
// its sessions in the same transaction.
func (s *Store) SetDeactivated(ctx context.Context, userID string, at *time.Time, audit chat.AuditEntry) (chat.User, []string, error) {
	var u chat.User
	var ended []string
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		if u, err = updateUser(ctx, tx, `deactivated_at = ?`, optMS(at), userID); err != nil {
			return err
		}
		if at != nil {
			if ended, err = deleteSessions(ctx, tx, userID, ""); err != nil {
				return err
			}
		}
		return insertAudit(ctx, tx, audit)
	})
	if err != nil {
		return chat.User{}, nil, fmt.Errorf("set deactivated: %w", err)
	}
	return u, ended, nil
}

// Users pages every account by username.
func (s *Store) Users(ctx context.Context, q chat.UserQuery) ([]chat.User, error) {
	like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q.Q) + "%"
	return s.users(ctx, `SELECT `+userCols+` FROM users WHERE username > ? AND (username LIKE ? ESCAPE '\' OR email_key LIKE ? ESCAPE '\')
		ORDER BY username LIMIT ?`, q.After, like, like, q.Limit)
}

// AdminRooms pages public and private rooms by name key and id.
func (s *Store) AdminRooms(ctx context.Context, q chat.AdminRoomQuery) ([]chat.Room, error) {
	key, id, _ := strings.Cut(q.AfterKey, "\x00")
	like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q.Q) + "%"
	rows, err := s.r.QueryContext(ctx, `SELECT `+roomCols+` FROM rooms r WHERE r.visibility <> 'direct'
		AND (r.name_fold, r.id) > (?, ?) AND r.name_fold LIKE ? ESCAPE '\' ORDER BY r.name_fold, r.id LIMIT ?`, key, id, like, q.Limit)
	if err != nil {
		return nil, fmt.Errorf("admin rooms: %w", err)
	}
	return collectRooms(rows)
}

// SetRoomArchived archives or unarchives a room.
func (s *Store) SetRoomArchived(ctx context.Context, roomID string, at *time.Time, audit chat.AuditEntry) (chat.Room, error) {
	var r chat.Room
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE rooms SET archived_at = ? WHERE id = ?`, optMS(at), roomID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return cmp.Or(err, error(chat.Errorf(chat.ENOTFOUND, "room not found")))
		}
		if r, err = scanRoom(tx.QueryRowContext(ctx, `SELECT `+roomCols+` FROM rooms r WHERE r.id = ?`, roomID)); err != nil {
			return err
		}
		return insertAudit(ctx, tx, audit)
	})
	if err != nil {
		return chat.Room{}, fmt.Errorf("archive room: %w", err)
	}
	return r, nil
}

// DeleteRoom removes a room and every row that refers to it, children
// first (foreign keys are enforced).
func (s *Store) DeleteRoom(ctx context.Context, roomID string, audit chat.AuditEntry) ([]string, error) {
	var members []string
	err := s.write(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM rooms WHERE id = ?`, roomID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return chat.Errorf(chat.ENOTFOUND, "room not found")
		}
		if err != nil {
			return err
		}
		if members, err = memberIDsTx(ctx, tx, roomID); err != nil {
			return err
		}
		for _, q := range deleteRoomQueries {
			if _, err := tx.ExecContext(ctx, q, roomID); err != nil {
				return err
			}
		}
		return insertAudit(ctx, tx, audit)
	})
	if err != nil {
		return nil, fmt.Errorf("delete room: %w", err)
	}
	return members, nil
}

// deleteRoomQueries delete a room ($1 / ?) and what refers to it, in
// foreign-key order; the same list in both stores.
var deleteRoomQueries = []string{
	`DELETE FROM reports WHERE room_id = ?`,
	`DELETE FROM reactions WHERE message_id IN (SELECT id FROM messages WHERE room_id = ?)`,
	`DELETE FROM mentions WHERE room_id = ?`,
	`DELETE FROM notifications WHERE room_id = ?`,
	`DELETE FROM messages WHERE room_id = ?`,
	`DELETE FROM room_members WHERE room_id = ?`,
	`DELETE FROM rooms WHERE id = ?`,
}

func memberIDsTx(ctx context.Context, tx *sql.Tx, roomID string) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT user_id FROM room_members WHERE room_id = ? ORDER BY user_id`, roomID)
	if err != nil {
		return nil, err
	}
	return collectRows(rows, rowTo[string])
}

// AppendAudit writes one entry.
func (s *Store) AppendAudit(ctx context.Context, e chat.AuditEntry) error {
	return s.write(ctx, func(tx *sql.Tx) error { return insertAudit(ctx, tx, e) })
}

// AuditLog pages the log newest first.
func (s *Store) AuditLog(ctx context.Context, q chat.AuditQuery) ([]chat.AuditEntry, error) {
	before := q.Before
	if before <= 0 {
		before = 1<<63 - 1
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, actor_id, actor_name, action, target_type, target_id, details, created_at
		FROM audit_log WHERE id < ? AND (? = '' OR actor_id = ?) AND (? = '' OR action = ?) ORDER BY id DESC LIMIT ?`,
		before, q.ActorID, q.ActorID, q.Action, q.Action, q.Limit)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	out, err := collectRows(rows, func(sc scanner) (chat.AuditEntry, error) {
		var e chat.AuditEntry
		var details string
		var created int64
		err := sc.Scan(&e.ID, &e.ActorID, &e.ActorName, &e.Action, &e.TargetType, &e.TargetID, &details, &created)
		e.Details, e.CreatedAt = []byte(details), fromMS(created)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	return out, nil
}

// DeleteAuditBefore deletes entries created before cutoff.
func (s *Store) DeleteAuditBefore(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM audit_log WHERE created_at < ?`, ms(cutoff))
	if err != nil {
		return 0, fmt.Errorf("delete audit entries: %w", err)
	}
	return res.RowsAffected()
}

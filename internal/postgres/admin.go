package postgres

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/open-chat/openchat/internal/chat"
)

// insertAudit writes an audit entry in tx.
func insertAudit(ctx context.Context, tx pgx.Tx, e chat.AuditEntry) error {
	details := string(e.Details)
	if details == "" {
		details = "{}"
	}
	_, err := tx.Exec(ctx, `INSERT INTO audit_log (actor_id, actor_name, action, target_type, target_id, details, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, e.ActorID, e.ActorName, e.Action, e.TargetType, e.TargetID, details, e.CreatedAt.Time)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// updateUser runs an UPDATE of one user (id is its last argument, $n)
// that returns userCols; ENOTFOUND if no row matched.
func updateUser(ctx context.Context, tx pgx.Tx, set string, args ...any) (chat.User, error) {
	u, err := scanUser(tx.QueryRow(ctx, `UPDATE users u SET `+set+` WHERE u.id = $`+fmt.Sprint(len(args))+` RETURNING `+userCols, args...))
	if isNoRows(err) {
		return chat.User{}, chat.Errorf(chat.ENOTFOUND, "user not found")
	}
	return u, err
}

// SetAdmin grants or revokes admin. Revoking locks the active admins'
// rows first, so two revocations at once see each other's outcome.
func (s *Store) SetAdmin(ctx context.Context, userID string, admin bool, audit chat.AuditEntry) (chat.User, error) {
	var u chat.User
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if !admin {
			rows, err := tx.Query(ctx, `SELECT id FROM users WHERE admin AND deactivated_at IS NULL FOR UPDATE`)
			if err != nil {
				return err
			}
			ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				return err
			}
			others := 0
			for _, id := range ids {
				if id != userID {
					others++
				}
			}
			if others == 0 {
				return chat.Errorf(chat.ECONFLICT, "this is the last active admin; grant admin to someone else first")
			}
		}
		var err error
		if u, err = updateUser(ctx, tx, `admin = $1`, admin, userID); err != nil {
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
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		if u, err = updateUser(ctx, tx, `deactivated_at = $1`, at, userID); err != nil {
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

// likeContains is a LIKE pattern for text containing q.
func likeContains(q string) string {
	return "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q) + "%"
}

// Users pages every account by username.
func (s *Store) Users(ctx context.Context, q chat.UserQuery) ([]chat.User, error) {
	like := likeContains(q.Q)
	return s.users(ctx, `SELECT `+userCols+` FROM users u WHERE u.username COLLATE "C" > $1
		AND (u.username LIKE $2 ESCAPE '\' OR u.email_key LIKE $2 ESCAPE '\') ORDER BY u.username COLLATE "C" LIMIT $3`, q.After, like, q.Limit)
}

// AdminRooms pages public and private rooms by lower-cased name and id.
func (s *Store) AdminRooms(ctx context.Context, q chat.AdminRoomQuery) ([]chat.Room, error) {
	key, id, _ := strings.Cut(q.AfterKey, "\x00")
	rows, err := s.pool.Query(ctx, `SELECT `+roomCols+` FROM rooms r WHERE r.visibility <> 'direct'
		AND (r.name_fold, r.id COLLATE "C") > ($1, $2) AND r.name_fold LIKE $3 ESCAPE '\'
		ORDER BY r.name_fold, r.id COLLATE "C" LIMIT $4`, key, id, likeContains(q.Q), q.Limit)
	if err != nil {
		return nil, fmt.Errorf("admin rooms: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (chat.Room, error) { return scanRoom(r) })
	if err != nil {
		return nil, fmt.Errorf("admin rooms: %w", err)
	}
	return out, nil
}

// SetRoomArchived archives or unarchives a room.
func (s *Store) SetRoomArchived(ctx context.Context, roomID string, at *time.Time, audit chat.AuditEntry) (chat.Room, error) {
	var r chat.Room
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		r, err = scanRoom(tx.QueryRow(ctx, `UPDATE rooms r SET archived_at = $1 WHERE r.id = $2 RETURNING `+roomCols, at, roomID))
		if isNoRows(err) {
			return chat.Errorf(chat.ENOTFOUND, "room not found")
		}
		if err != nil {
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
// first; the room row is locked first so concurrent posts wait.
func (s *Store) DeleteRoom(ctx context.Context, roomID string, audit chat.AuditEntry) ([]string, error) {
	var members []string
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM rooms WHERE id = $1 FOR UPDATE`, roomID).Scan(&one)
		if isNoRows(err) {
			return chat.Errorf(chat.ENOTFOUND, "room not found")
		}
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT user_id FROM room_members WHERE room_id = $1 ORDER BY user_id`, roomID)
		if err != nil {
			return err
		}
		if members, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			return err
		}
		for _, q := range deleteRoomQueries {
			if _, err := tx.Exec(ctx, q, roomID); err != nil {
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

// deleteRoomQueries delete a room and what refers to it, in foreign-key
// order; the same list in both stores.
var deleteRoomQueries = []string{
	`DELETE FROM reports WHERE room_id = $1`,
	`DELETE FROM reactions WHERE message_id IN (SELECT id FROM messages WHERE room_id = $1)`,
	`DELETE FROM mentions WHERE room_id = $1`,
	`DELETE FROM notifications WHERE room_id = $1`,
	`DELETE FROM messages WHERE room_id = $1`,
	`DELETE FROM room_members WHERE room_id = $1`,
	`DELETE FROM rooms WHERE id = $1`,
}

// AppendAudit writes one entry.
func (s *Store) AppendAudit(ctx context.Context, e chat.AuditEntry) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return insertAudit(ctx, tx, e) })
}

// AuditLog pages the log newest first.
func (s *Store) AuditLog(ctx context.Context, q chat.AuditQuery) ([]chat.AuditEntry, error) {
	before := q.Before
	if before <= 0 {
		before = math.MaxInt64
	}
	rows, err := s.pool.Query(ctx, `SELECT id, actor_id, actor_name, action, target_type, target_id, details, created_at
		FROM audit_log WHERE id < $1 AND ($2 = '' OR actor_id = $2) AND ($3 = '' OR action = $3) ORDER BY id DESC LIMIT $4`,
		before, q.ActorID, q.Action, q.Limit)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (chat.AuditEntry, error) {
		var e chat.AuditEntry
		var details string
		var created time.Time
		err := r.Scan(&e.ID, &e.ActorID, &e.ActorName, &e.Action, &e.TargetType, &e.TargetID, &details, &created)
		e.Details, e.CreatedAt = []byte(details), ts(created)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	return out, nil
}

// DeleteAuditBefore deletes entries created before cutoff.
func (s *Store) DeleteAuditBefore(ctx context.Context, cutoff time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM audit_log WHERE created_at < $1`, cutoff)
	if err != nil {
		return 0, fmt.Errorf("delete audit entries: %w", err)
	}
	return tag.RowsAffected(), nil
}

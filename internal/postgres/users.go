package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/open-chat/openchat/internal/chat"
)

const userCols = `u.id, u.username, u.display_name, u.email, u.email_notifications, u.email_verified, u.password_hash, u.created_at, u.language,
	u.admin, u.deactivated_at`

func scanUser(row pgx.Row, extra ...any) (chat.User, error) {
	var u chat.User
	var pref, lang string
	var created time.Time
	var deactivated *time.Time
	dest := append([]any{&u.ID, &u.Username, &u.DisplayName, &u.Email, &pref, &u.EmailVerified, &u.PasswordHash, &created, &lang,
		&u.Admin, &deactivated}, extra...)
	if err := row.Scan(dest...); err != nil {
		return chat.User{}, err
	}
	u.EmailNotifications, u.CreatedAt, u.Language = chat.NotifyPref(pref), ts(created), chat.Language(lang)
	u.DeactivatedAt = optTime(deactivated)
	return u, nil
}

// CreateUser stores u with its username lower-cased; ECONFLICT if the
// username or the address (email_key, lower-cased in Go) is taken.
func (s *Store) CreateUser(ctx context.Context, u chat.User) error {
	if u.EmailNotifications == "" {
		u.EmailNotifications = chat.NotifyAlways
	}
	if u.Language == "" {
		u.Language = chat.English
	}
	err := s.insertUser(ctx, u)
	var pgErr *pgconn.PgError
	switch {
	case isUnique(err) && errors.As(err, &pgErr) && pgErr.ConstraintName == "users_email_key":
		return chat.Errorf(chat.ECONFLICT, "e-mail address is taken")
	case isUnique(err):
		return chat.Errorf(chat.ECONFLICT, "username is taken")
	case err != nil:
		return fmt.Errorf("create user: %w", err)
	}
	return nil
}

// insertUser inserts u, as admin if the table is empty. Two first
// sign-ups at once must not both become admin (nor neither): while the
// table looks empty, inserts take a transaction-scoped advisory lock and
// look again, so they decide one after the other.
func (s *Store) insertUser(ctx context.Context, u chat.User) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users)`).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, firstUserLock); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO users (id, username, display_name, email, email_notifications, email_verified,
			password_hash, created_at, language, email_key, admin)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NOT EXISTS (SELECT 1 FROM users))`,
			u.ID, strings.ToLower(u.Username), u.DisplayName, u.Email, string(u.EmailNotifications), u.EmailVerified,
			u.PasswordHash, u.CreatedAt.Time, string(u.Language), chat.EmailKey(u.Email))
		return err
	})
}

// firstUserLock is the advisory lock key of insertUser ("openchat first user").
const firstUserLock = 0x6f63_6675

// optTime reads a nullable time column.
func optTime(t *time.Time) *chat.Time {
	if t == nil {
		return nil
	}
	v := ts(*t)
	return &v
}

// UserByEmail matches the address case-insensitively; ENOTFOUND if none.
func (s *Store) UserByEmail(ctx context.Context, email string) (chat.User, error) {
	if chat.EmailKey(email) == "" {
		return chat.User{}, chat.Errorf(chat.ENOTFOUND, "user not found")
	}
	return s.oneUser(ctx, "email", `u.email_key = $1`, chat.EmailKey(email))
}

func (s *Store) oneUser(ctx context.Context, what, where string, arg any) (chat.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userCols+` FROM users u WHERE `+where, arg))
	switch {
	case isNoRows(err):
		return chat.User{}, chat.Errorf(chat.ENOTFOUND, "user not found")
	case err != nil:
		return chat.User{}, fmt.Errorf("user by %s: %w", what, err)
	}
	return u, nil
}

// UserByID returns ENOTFOUND for an unknown id.
func (s *Store) UserByID(ctx context.Context, id string) (chat.User, error) {
	return s.oneUser(ctx, "id", `u.id = $1`, id)
}

// UserByUsername matches case-insensitively; ENOTFOUND if none.
func (s *Store) UserByUsername(ctx context.Context, username string) (chat.User, error) {
	return s.oneUser(ctx, "username", `u.username = $1`, strings.ToLower(username))
}

func (s *Store) users(ctx context.Context, query string, args ...any) ([]chat.User, error) {
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query users: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (chat.User, error) { return scanUser(r) })
	if err != nil {
		return nil, fmt.Errorf("query users: %w", err)
	}
	return out, nil
}

// UsersByUsernames returns the users that exist among the names.
func (s *Store) UsersByUsernames(ctx context.Context, usernames []string) ([]chat.User, error) {
	if len(usernames) == 0 {
		return []chat.User{}, nil
	}
	lower := make([]string, len(usernames))
	for i, n := range usernames {
		lower[i] = strings.ToLower(n)
	}
	return s.users(ctx, `SELECT `+userCols+` FROM users u WHERE u.username = ANY($1)`, lower)
}

// UsersByIDs returns the users that exist among ids.
func (s *Store) UsersByIDs(ctx context.Context, ids []string) ([]chat.User, error) {
	if len(ids) == 0 {
		return []chat.User{}, nil
	}
	return s.users(ctx, `SELECT `+userCols+` FROM users u WHERE u.id = ANY($1)`, ids)
}

// SearchUsers returns up to limit users whose username starts with prefix.
func (s *Store) SearchUsers(ctx context.Context, prefix string, limit int) ([]chat.User, error) {
	if limit <= 0 {
		return []chat.User{}, nil
	}
	return s.users(ctx, `SELECT `+userCols+` FROM users u WHERE u.username LIKE $1 ESCAPE '\' AND u.deleted_at IS NULL ORDER BY u.username LIMIT $2`,
		likePrefix(strings.ToLower(prefix)), limit)
}

// likePrefix escapes LIKE's wildcards ('_' is common in usernames).
func likePrefix(p string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(p) + "%"
}

// UpdateUser applies p; ENOTFOUND for an unknown id.
func (s *Store) UpdateUser(ctx context.Context, id string, p chat.UserPatch) (chat.User, error) {
	var pref, lang *string
	if p.EmailNotifications != nil {
		v := string(*p.EmailNotifications)
		pref = &v
	}
	if p.Language != nil {
		v := string(*p.Language)
		lang = &v
	}
	u, err := scanUser(s.pool.QueryRow(ctx, `UPDATE users u SET
		display_name = COALESCE($1, u.display_name), email_notifications = COALESCE($2, u.email_notifications),
		language = COALESCE($3, u.language)
		WHERE u.id = $4 RETURNING `+userCols, p.DisplayName, pref, lang, id))
	switch {
	case isNoRows(err):
		return chat.User{}, chat.Errorf(chat.ENOTFOUND, "user not found")
	case err != nil:
		return chat.User{}, fmt.Errorf("update user: %w", err)
	}
	return u, nil
}

// VerifyEmail marks the address verified if it is still email.
func (s *Store) VerifyEmail(ctx context.Context, userID, email string) (chat.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `UPDATE users u SET email_verified = true
		WHERE u.id = $1 AND u.email_key = $2 AND u.email_key <> '' RETURNING `+userCols, userID, chat.EmailKey(email)))
	switch {
	case isNoRows(err):
		return chat.User{}, chat.Errorf(chat.ENOTFOUND, "no such user with that address")
	case err != nil:
		return chat.User{}, fmt.Errorf("verify email: %w", err)
	}
	return u, nil
}

// SetPassword replaces the hash and deletes the other sessions, atomically.
func (s *Store) SetPassword(ctx context.Context, userID, hash, keep string) ([]string, error) {
	var ended []string
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, hash, userID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return chat.Errorf(chat.ENOTFOUND, "user not found")
		}
		ended, err = deleteSessions(ctx, tx, userID, keep)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("set password: %w", err)
	}
	return ended, nil
}

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

const userCols = `id, username, display_name, email, email_notifications, email_verified, password_hash, created_at, language, admin, deactivated_at`

// userColsU is userCols for a query that names users u.
var userColsU = "u." + strings.ReplaceAll(userCols, ", ", ", u.")

type scanner interface{ Scan(dest ...any) error }

func scanUser(sc scanner, extra ...any) (chat.User, error) {
	var u chat.User
	var pref, lang string
	var created int64
	var deactivated sql.NullInt64
	dest := append([]any{&u.ID, &u.Username, &u.DisplayName, &u.Email, &pref, &u.EmailVerified, &u.PasswordHash, &created, &lang,
		&u.Admin, &deactivated}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return chat.User{}, err
	}
	u.EmailNotifications, u.CreatedAt, u.Language = chat.NotifyPref(pref), fromMS(created), chat.Language(lang)
	u.DeactivatedAt = optTime(deactivated)
	return u, nil
}

// optTime reads a nullable time column.
func optTime(v sql.NullInt64) *chat.Time {
	if !v.Valid {
		return nil
	}
	t := fromMS(v.Int64)
	return &t
}

// optMS writes a nullable time column.
func optMS(t *time.Time) any {
	if t == nil {
		return nil
	}
	return ms(*t)
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
	// The one writer connection makes "is it the first?" and the insert
	// atomic: the first account becomes admin.
	_, err := s.w.ExecContext(ctx, `INSERT INTO users (id, username, display_name, email, email_notifications, email_verified,
		password_hash, created_at, language, email_key, admin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NOT EXISTS (SELECT 1 FROM users))`,
		u.ID, strings.ToLower(u.Username), u.DisplayName, u.Email, string(u.EmailNotifications), u.EmailVerified,
		u.PasswordHash, ms(u.CreatedAt.Time), string(u.Language), chat.EmailKey(u.Email))
	switch {
	case isUnique(err) && strings.Contains(err.Error(), "email_key"):
		return chat.Errorf(chat.ECONFLICT, "e-mail address is taken")
	case isUnique(err):
		return chat.Errorf(chat.ECONFLICT, "username is taken")
	case err != nil:
		return fmt.Errorf("create user: %w", err)
	}
	return nil
}

func (s *Store) oneUser(ctx context.Context, what, where string, arg any) (chat.User, error) {
	u, err := scanUser(s.r.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE `+where, arg))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return chat.User{}, chat.Errorf(chat.ENOTFOUND, "user not found")
	case err != nil:
		return chat.User{}, fmt.Errorf("user by %s: %w", what, err)
	}
	return u, nil
}

// UserByID returns ENOTFOUND for an unknown id.
func (s *Store) UserByID(ctx context.Context, id string) (chat.User, error) {
	return s.oneUser(ctx, "id", `id = ?`, id)
}

// UserByUsername matches case-insensitively; ENOTFOUND if none.
func (s *Store) UserByUsername(ctx context.Context, username string) (chat.User, error) {
	return s.oneUser(ctx, "username", `username = ?`, strings.ToLower(username))
}

// UserByEmail matches the address case-insensitively; ENOTFOUND if none.
func (s *Store) UserByEmail(ctx context.Context, email string) (chat.User, error) {
	if chat.EmailKey(email) == "" {
		return chat.User{}, chat.Errorf(chat.ENOTFOUND, "user not found")
	}
	return s.oneUser(ctx, "email", `email_key = ?`, chat.EmailKey(email))
}

func (s *Store) users(ctx context.Context, query string, args ...any) ([]chat.User, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query users: %w", err)
	}
	out, err := collectRows(rows, func(sc scanner) (chat.User, error) { return scanUser(sc) })
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
	return s.users(ctx, `SELECT `+userCols+` FROM users WHERE username IN (`+placeholders(len(lower))+`)`, anys(lower)...)
}

// UsersByIDs returns the users that exist among ids.
func (s *Store) UsersByIDs(ctx context.Context, ids []string) ([]chat.User, error) {
	if len(ids) == 0 {
		return []chat.User{}, nil
	}
	return s.users(ctx, `SELECT `+userCols+` FROM users WHERE id IN (`+placeholders(len(ids))+`)`, anys(ids)...)
}

// SearchUsers returns up to limit users whose username starts with prefix
// (deleted accounts are nobody to find).
func (s *Store) SearchUsers(ctx context.Context, prefix string, limit int) ([]chat.User, error) {
	if limit <= 0 {
		return []chat.User{}, nil
	}
	return s.users(ctx, `SELECT `+userCols+` FROM users WHERE username LIKE ? ESCAPE '\' AND deleted_at IS NULL ORDER BY username LIMIT ?`,
		likePrefix(strings.ToLower(prefix)), limit)
}

// likePrefix escapes LIKE's wildcards ('_' is common in usernames).
func likePrefix(p string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(p) + "%"
}

// UpdateUser applies p; ENOTFOUND for an unknown id.
func (s *Store) UpdateUser(ctx context.Context, id string, p chat.UserPatch) (chat.User, error) {
	var display, pref, lang *string
	if p.DisplayName != nil {
		display = p.DisplayName
	}
	if p.EmailNotifications != nil {
		v := string(*p.EmailNotifications)
		pref = &v
	}
	if p.Language != nil {
		v := string(*p.Language)
		lang = &v
	}
	u, err := scanUser(s.w.QueryRowContext(ctx, `UPDATE users SET
		display_name = COALESCE(?, display_name), email_notifications = COALESCE(?, email_notifications),
		language = COALESCE(?, language)
		WHERE id = ? RETURNING `+userCols, display, pref, lang, id))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return chat.User{}, chat.Errorf(chat.ENOTFOUND, "user not found")
	case err != nil:
		return chat.User{}, fmt.Errorf("update user: %w", err)
	}
	return u, nil
}

// VerifyEmail marks the address verified if it is still email.
func (s *Store) VerifyEmail(ctx context.Context, userID, email string) (chat.User, error) {
	u, err := scanUser(s.w.QueryRowContext(ctx, `UPDATE users SET email_verified = 1
		WHERE id = ? AND email_key = ? AND email_key <> '' RETURNING `+userCols, userID, chat.EmailKey(email)))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return chat.User{}, chat.Errorf(chat.ENOTFOUND, "no such user with that address")
	case err != nil:
		return chat.User{}, fmt.Errorf("verify email: %w", err)
	}
	return u, nil
}

// SetPassword replaces the hash and deletes the other sessions, atomically.
func (s *Store) SetPassword(ctx context.Context, userID, hash, keep string) ([]string, error) {
	var ended []string
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, userID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return cmp.Or(err, error(chat.Errorf(chat.ENOTFOUND, "user not found")))
		}
		ended, err = deleteSessions(ctx, tx, userID, keep)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("set password: %w", err)
	}
	return ended, nil
}

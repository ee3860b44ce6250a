package chat

import (
	"context"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on account fields.
const (
	UsernameMinLen    = 3
	UsernameMaxLen    = 32
	DisplayNameMaxLen = 64
	EmailMaxLen       = 254
	PasswordMinLen    = 8
	PasswordMaxLen    = 128 // bytes; bounds the hashing cost an attacker can demand
	// SessionTTL is how long a session token stays valid.
	SessionTTL = 30 * 24 * time.Hour
)

// NotifyPref says when a user wants an e-mail for a mention.
type NotifyPref string

// Notification preferences.
const (
	NotifyAlways  NotifyPref = "always"  // every mention (default)
	NotifyOffline NotifyPref = "offline" // only without a live connection
	NotifyNever   NotifyPref = "never"
)

// Valid reports whether p is a known preference.
func (p NotifyPref) Valid() bool {
	return p == NotifyAlways || p == NotifyOffline || p == NotifyNever
}

// ShouldEmail is the rule that decides whether a mention e-mail goes out.
func (p NotifyPref) ShouldEmail(online bool) bool {
	switch p {
	case NotifyNever:
		return false
	case NotifyOffline:
		return !online
	default:
		return true
	}
}

// User is an account. Email and PasswordHash never leave the server except
// Email to its owner.
type User struct {
	ID                 string     `json:"id"`
	Username           string     `json:"username"`
	DisplayName        string     `json:"display_name"`
	Email              string     `json:"email,omitempty"`
	EmailNotifications NotifyPref `json:"email_notifications,omitempty"`
	PasswordHash       string     `json:"-"`
	CreatedAt          Time       `json:"created_at"`
}

// Ref is the public face of the user, as embedded in messages.
func (u User) Ref() UserRef {
	return UserRef{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName}
}

// Public returns the user without private fields, for other people's eyes.
func (u User) Public() User {
	u.Email, u.EmailNotifications, u.PasswordHash = "", "", ""
	return u
}

// UserRef is a user as other people see them.
type UserRef struct {
	ID          string `json:"id"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
}

// UserPatch changes a user; nil fields stay.
type UserPatch struct {
	DisplayName        *string
	EmailNotifications *NotifyPref
}

// Session is a signed-in client. Only a hash of its token is stored.
type Session struct {
	TokenHash string
	UserID    string
	CreatedAt Time
	ExpiresAt Time
}

var usernameRE = regexp.MustCompile(`^[a-z0-9_.\-]+$`)

// NormalizeUsername lower-cases a username; uniqueness is case-insensitive.
func NormalizeUsername(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ValidateUsername checks an already normalized username.
func ValidateUsername(s string) error {
	if n := len(s); n < UsernameMinLen || n > UsernameMaxLen {
		return Invalid("username", "must be %d to %d characters", UsernameMinLen, UsernameMaxLen)
	}
	if !usernameRE.MatchString(s) {
		return Invalid("username", "may contain only a-z, 0-9, '_', '.' and '-'")
	}
	return nil
}

// ValidateDisplayName checks a trimmed display name (empty is allowed).
func ValidateDisplayName(s string) error {
	if !utf8.ValidString(s) {
		return Invalid("display_name", "must be valid UTF-8")
	}
	if utf8.RuneCountInString(s) > DisplayNameMaxLen {
		return Invalid("display_name", "must be at most %d characters", DisplayNameMaxLen)
	}
	return nil
}

// ValidateEmail checks a plain address such as ada@example.org.
func ValidateEmail(s string) error {
	if s == "" || len(s) > EmailMaxLen {
		return Invalid("email", "must be 1 to %d characters", EmailMaxLen)
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return Invalid("email", "must be a plain e-mail address such as ada@example.org")
	}
	return nil
}

// ValidatePassword checks a new password's length.
func ValidatePassword(s string) error {
	if len(s) < PasswordMinLen || len(s) > PasswordMaxLen {
		return Invalid("password", "must be %d to %d bytes", PasswordMinLen, PasswordMaxLen)
	}
	return nil
}

// PasswordHasher hashes and verifies passwords (argon2id in production).
type PasswordHasher interface {
	Hash(password string) (string, error)
	// Verify reports whether password matches hash; an error means the hash is unreadable.
	Verify(hash, password string) (bool, error)
}

// UserStore keeps accounts and sessions.
type UserStore interface {
	// CreateUser stores u; ECONFLICT if the username is taken (case-insensitively).
	CreateUser(ctx context.Context, u User) error
	// UserByID returns ENOTFOUND for an unknown id.
	UserByID(ctx context.Context, id string) (User, error)
	// UserByUsername matches case-insensitively; ENOTFOUND if none.
	UserByUsername(ctx context.Context, username string) (User, error)
	// UsersByUsernames returns the users that exist among the (lower-case) names, in any order.
	UsersByUsernames(ctx context.Context, usernames []string) ([]User, error)
	// UsersByIDs returns the users that exist among ids, in any order.
	UsersByIDs(ctx context.Context, ids []string) ([]User, error)
	// SearchUsers returns up to limit users whose username starts with prefix, by username.
	SearchUsers(ctx context.Context, prefix string, limit int) ([]User, error)
	// UpdateUser applies p and returns the new user; ENOTFOUND for an unknown id.
	UpdateUser(ctx context.Context, id string, p UserPatch) (User, error)
	// CreateSession stores s.
	CreateSession(ctx context.Context, s Session) error
	// SessionUser returns the user of an unexpired session; ENOTFOUND otherwise.
	SessionUser(ctx context.Context, tokenHash string, now time.Time) (User, error)
	// DeleteSession removes a session; deleting a missing one is not an error.
	DeleteSession(ctx context.Context, tokenHash string) error
}

package chat

import (
	"context"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn"
	"golang.org/x/text/secure/precis"
)

// Limits on account fields.
const (
	UsernameMinLen    = 3
	UsernameMaxLen    = 32
	DisplayNameMaxLen = 64
	EmailMaxLen       = 254
	PasswordMinLen    = 10  // characters
	PasswordMaxLen    = 128 // bytes; bounds the hashing cost an attacker can demand
	// PasswordMinScore is the zxcvbn strength (0 to 4) a new password needs:
	// 3 means about 10^8 guesses or more, "safely unguessable" online.
	PasswordMinScore = 3
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
	// EmailVerified is set once the owner followed the link of the
	// verification e-mail; until then no other e-mail goes to the address.
	EmailVerified bool `json:"email_verified"`
	// Language is the one the user reads OpenChat in (the web client sets
	// it); e-mails to the user are written in it.
	Language     Language `json:"language,omitempty"`
	PasswordHash string   `json:"-"`
	CreatedAt    Time     `json:"created_at"`
	// Admin runs the server (see service_admin.go); shown to the user
	// themself and to admins.
	Admin bool `json:"admin,omitempty"`
	// DeactivatedAt is when an admin deactivated the account (nil:
	// active): it cannot sign in, its messages stay.
	DeactivatedAt *Time `json:"deactivated_at,omitempty"`
}

// Language is a language OpenChat speaks.
type Language string

// The languages of the web client and the e-mails.
const (
	English Language = "en"
	Spanish Language = "es"
)

// Valid reports whether OpenChat speaks l.
func (l Language) Valid() bool { return l == English || l == Spanish }

// Ref is the public face of the user, as embedded in messages.
func (u User) Ref() UserRef {
	return UserRef{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName}
}

// Public returns the user without private fields, for other people's eyes.
func (u User) Public() User {
	u.Email, u.EmailNotifications, u.PasswordHash, u.EmailVerified, u.Admin = "", "", "", false, false
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
	Language           *Language
}

// Session is a signed-in client. Only a hash of its token is stored; ID is
// a separate random id that names the session to its owner (session lists,
// ending one session), so neither the token nor its hash ever leaves.
type Session struct {
	ID         string
	TokenHash  string
	UserID     string
	CreatedAt  Time
	ExpiresAt  Time
	LastSeenAt Time   // updated at most every SessionTouchInterval
	UserAgent  string // as sent at sign-in, cleaned (CleanUserAgent)
	Address    string // the client's IP address at sign-in
}

var usernameRE = regexp.MustCompile(`^[a-z0-9_.\-]+$`)

// NormalizeUsername maps a username to the form it is stored and compared
// in: trimmed, then PRECIS UsernameCaseMapped (RFC 8265: width mapping,
// case folding to lower case, NFC), so "ＡＤＡ" and "Ada" are "ada". Input
// PRECIS refuses comes back lower-cased only, for ValidateUsername to reject.
func NormalizeUsername(s string) string {
	s = strings.TrimSpace(s)
	if p, err := precis.UsernameCaseMapped.String(s); err == nil {
		return p
	}
	return strings.ToLower(s)
}

// ValidateUsername checks an already normalized username. The character
// rule (a-z, 0-9, '_', '.', '-') is stricter than PRECIS and stays.
func ValidateUsername(s string) error {
	if err := CheckText("username", s, TextName); err != nil {
		return err
	}
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
	if err := CheckText("display_name", s, TextName); err != nil {
		return err
	}
	if utf8.RuneCountInString(s) > DisplayNameMaxLen {
		return Invalid("display_name", "must be at most %d characters", DisplayNameMaxLen)
	}
	return nil
}

// ValidateEmail checks a plain address such as ada@example.org.
func ValidateEmail(s string) error {
	if err := CheckText("email", s, TextLine); err != nil {
		return err
	}
	if s == "" || len(s) > EmailMaxLen {
		return Invalid("email", "must be 1 to %d characters", EmailMaxLen)
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return Invalid("email", "must be a plain e-mail address such as ada@example.org")
	}
	return nil
}

// passwordInputMinLen is the shortest username, name or e-mail local part
// a password may not contain (shorter ones are left to zxcvbn, or "ada"
// would forbid "Canada").
const passwordInputMinLen = 4

// ValidatePassword checks a new password (field names it in the error):
// no control characters, PasswordMinLen characters to PasswordMaxLen bytes,
// not containing any of userInputs (the username, the e-mail address's
// local part, the display name), and a zxcvbn score of at least
// PasswordMinScore, where userInputs count as words an attacker knows.
func ValidatePassword(field, s string, userInputs ...string) error {
	if err := CheckText(field, s, TextSecret); err != nil {
		return err
	}
	if utf8.RuneCountInString(s) < PasswordMinLen || len(s) > PasswordMaxLen {
		return Invalid(field, "must be at least %d characters (and at most %d bytes)", PasswordMinLen, PasswordMaxLen)
	}
	if strings.TrimSpace(s) == "" {
		return Invalid(field, "must not be only spaces")
	}
	var inputs []string
	for _, in := range userInputs { // "ada.l@example.org" also gives "ada.l", "example.org", "ada", "l", "example", "org"
		if in == "" { // an empty word would stop zxcvbn from matching the others
			continue
		}
		name, _, _ := strings.Cut(in, "@")
		if len(name) >= passwordInputMinLen && strings.Contains(strings.ToLower(s), strings.ToLower(name)) {
			return Invalid(field, "must not contain your username, name or e-mail address")
		}
		inputs = append(inputs, in)
		inputs = append(inputs, strings.Split(in, "@")...)
		inputs = append(inputs, strings.FieldsFunc(in, func(r rune) bool { return r == '@' || r == '.' })...)
	}
	if score := zxcvbn.PasswordStrength(s, inputs).Score; score < PasswordMinScore {
		return Invalid(field, "is too easy to guess (strength %d of 4, %d needed): avoid common words and passwords, "+
			"names, dates, repeats, keyboard runs and your username or e-mail; a few unrelated words or a longer phrase work",
			score, PasswordMinScore)
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
	// CreateUser stores u; ECONFLICT if the username or the e-mail address
	// is taken (each case-insensitively), the message saying which. The
	// first account of an empty store becomes admin in the same
	// transaction (u.Admin is ignored), safe under concurrent calls.
	CreateUser(ctx context.Context, u User) error
	// UserByID returns ENOTFOUND for an unknown id.
	UserByID(ctx context.Context, id string) (User, error)
	// UserByUsername matches case-insensitively; ENOTFOUND if none.
	UserByUsername(ctx context.Context, username string) (User, error)
	// UserByEmail matches the address case-insensitively (EmailKey);
	// ENOTFOUND if none.
	UserByEmail(ctx context.Context, email string) (User, error)
	// UsersByUsernames returns the users that exist among the (lower-case) names, in any order.
	UsersByUsernames(ctx context.Context, usernames []string) ([]User, error)
	// UsersByIDs returns the users that exist among ids, in any order.
	UsersByIDs(ctx context.Context, ids []string) ([]User, error)
	// SearchUsers returns up to limit users whose username starts with prefix, by username.
	SearchUsers(ctx context.Context, prefix string, limit int) ([]User, error)
	// UpdateUser applies p and returns the new user; ENOTFOUND for an unknown id.
	UpdateUser(ctx context.Context, id string, p UserPatch) (User, error)
	// VerifyEmail marks the user's address verified, if it still is email
	// (case-insensitively), and returns the user; ENOTFOUND otherwise.
	VerifyEmail(ctx context.Context, userID, email string) (User, error)
	// SetPassword replaces the user's password hash and, in the same
	// transaction, deletes every session of the user except the one whose
	// token hash is keep ("" keeps none). It returns the deleted sessions'
	// token hashes; ENOTFOUND for an unknown user.
	SetPassword(ctx context.Context, userID, hash, keep string) ([]string, error)

	// CreateSession stores s; ECONFLICT if its token hash or id exists.
	CreateSession(ctx context.Context, s Session) error
	// SessionUser returns the session of an unexpired token hash and its
	// user; ENOTFOUND otherwise, and for a deactivated user.
	SessionUser(ctx context.Context, tokenHash string, now time.Time) (User, Session, error)
	// TouchSession sets a session's LastSeenAt; a missing session is not an error.
	TouchSession(ctx context.Context, tokenHash string, at time.Time) error
	// Sessions lists the user's sessions unexpired at now, most recently
	// seen first.
	Sessions(ctx context.Context, userID string, now time.Time) ([]Session, error)
	// DeleteSession removes a session; deleting a missing one is not an error.
	DeleteSession(ctx context.Context, tokenHash string) error
	// DeleteSessionByID removes the user's session with public id and
	// returns its token hash; ENOTFOUND if the user has no such session.
	DeleteSessionByID(ctx context.Context, userID, id string) (string, error)
	// DeleteSessions removes every session of the user except the one whose
	// token hash is keep ("" keeps none) and returns the removed token hashes.
	DeleteSessions(ctx context.Context, userID, keep string) ([]string, error)
}

// EmailKey is the form in which addresses are unique: lower-cased, so
// Ada@Example.org and ada@example.org are one address ("" for none).
func EmailKey(email string) string { return strings.ToLower(email) }

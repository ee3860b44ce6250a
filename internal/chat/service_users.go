package chat

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// SignUpInput is a new account's fields.
type SignUpInput struct {
	Username    string
	Email       string
	Password    string
	DisplayName string
	Language    Language // "" is English
}

// SignUp creates an account, unverified, and queues the e-mail that
// verifies its address. Errors: EINVALID naming the field, ECONFLICT (the
// username or the address is taken).
func (s *Service) SignUp(ctx context.Context, in SignUpInput) (User, error) {
	username := NormalizeUsername(in.Username)
	email := strings.TrimSpace(in.Email)
	display := strings.TrimSpace(in.DisplayName)
	for _, err := range []error{ValidateUsername(username), ValidateEmail(email), ValidateDisplayName(display)} {
		if err != nil {
			return User{}, err
		}
	}
	if err := ValidatePassword("password", in.Password, username, email, display); err != nil {
		return User{}, err
	}
	if in.Language == "" {
		in.Language = English
	}
	if !in.Language.Valid() {
		return User{}, Invalid("language", "must be en or es")
	}
	if display == "" {
		display = username
	}
	hash, err := s.hasher.Hash(in.Password)
	if err != nil {
		return User{}, fmt.Errorf("hash password: %w", err)
	}
	u := User{ID: NewID(), Username: username, DisplayName: display, Email: email,
		EmailNotifications: NotifyAlways, Language: in.Language, PasswordHash: hash, CreatedAt: NewTime(s.now())}
	if err := s.store.CreateUser(ctx, u); err != nil {
		return User{}, err
	}
	// The store decides whether this is the first account (an admin).
	if stored, err := s.store.UserByID(ctx, u.ID); err == nil {
		u.Admin = stored.Admin
	} else {
		s.log.WarnContext(ctx, "read new user failed", "user", u.ID, "err", err)
	}
	// The account exists either way; if queueing fails the owner asks again
	// (POST /me/email/verify).
	if err := s.store.QueueVerificationMail(ctx, u.ID, s.now(), VerifyMailGap); err != nil {
		s.log.WarnContext(ctx, "queue verification e-mail failed", "user", u.ID, "err", err)
	}
	return u, nil
}

var (
	errBadLogin    = Errorf(EUNAUTHORIZED, "invalid username or password")
	errDeactivated = Errorf(EDEACTIVATED, "this account has been deactivated; ask a server admin")
)

// Client describes where a sign-in comes from, for the session list.
type Client struct {
	UserAgent string // the User-Agent header; cleaned and cut to UserAgentMaxLen
	Address   string // the client's IP address
}

// UserAgentMaxLen bounds the user agent a session keeps, in bytes.
const UserAgentMaxLen = 256

// SignIn checks a password and opens a session. It returns the raw token
// (shown once to the client) and the user. Error: EUNAUTHORIZED, the same
// whether the username exists or not, and for a username or password no
// account can have (a NUL byte, an invalid name): those never reach the
// store.
func (s *Service) SignIn(ctx context.Context, username, password string, client Client) (string, User, error) {
	username = NormalizeUsername(username)
	if ValidateUsername(username) != nil || CheckText("password", password, TextSecret) != nil || len(password) > PasswordMaxLen {
		return "", User{}, errBadLogin
	}
	u, err := s.store.UserByUsername(ctx, username)
	if err != nil && ErrorCode(err) != ENOTFOUND {
		return "", User{}, err
	}
	hash := u.PasswordHash
	if err != nil {
		hash = s.dummyHash()
	}
	ok, verr := s.hasher.Verify(hash, password)
	if err != nil || verr != nil || !ok {
		return "", User{}, errBadLogin
	}
	// Said only to who knows the password, so it reveals nothing more.
	if u.DeactivatedAt != nil {
		return "", User{}, errDeactivated
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", User{}, fmt.Errorf("session token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw[:])
	now := NewTime(s.now())
	sess := Session{ID: NewID(), TokenHash: HashToken(token), UserID: u.ID, CreatedAt: now, ExpiresAt: NewTime(now.Add(SessionTTL)),
		LastSeenAt: now, UserAgent: CleanUserAgent(client.UserAgent), Address: CleanUserAgent(client.Address)}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return "", User{}, err
	}
	return token, u, nil
}

// dummyHash is verified when a username is unknown, so a failed login takes
// as long whether or not the name exists.
func (s *Service) dummyHash() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dummy == "" {
		s.dummy, _ = s.hasher.Hash("openchat-dummy-password")
	}
	return s.dummy
}

// HashToken is how session tokens are stored: SHA-256, hex. Tokens carry 256
// random bits, so a fast hash suffices; a stolen table yields no tokens.
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// Authenticate returns the user of a session token. Error: EUNAUTHORIZED.
func (s *Service) Authenticate(ctx context.Context, token string) (User, error) {
	u, _, err := s.AuthenticateSession(ctx, token)
	return u, err
}

// AuthenticateSession is Authenticate that also returns the session's
// token hash (HashToken), which names the session in revocations.
func (s *Service) AuthenticateSession(ctx context.Context, token string) (User, string, error) {
	if token == "" {
		return User{}, "", Errorf(EUNAUTHORIZED, "sign in first")
	}
	hash := HashToken(token)
	if u, ok := s.cachedSession(hash); ok {
		return u, hash, nil
	}
	now := s.now()
	u, sess, err := s.store.SessionUser(ctx, hash, now)
	if ErrorCode(err) == ENOTFOUND {
		return User{}, "", Errorf(EUNAUTHORIZED, "session expired or unknown; sign in again")
	}
	if err != nil {
		return User{}, "", err
	}
	if now.Sub(sess.LastSeenAt.Time) >= SessionTouchInterval {
		if err := s.store.TouchSession(ctx, hash, now); err != nil {
			s.log.WarnContext(ctx, "touch session failed", "err", err)
		}
	}
	s.cacheSession(hash, u)
	return u, hash, nil
}

// SignOut ends a session, on every instance.
func (s *Service) SignOut(ctx context.Context, token string) error {
	hash := HashToken(token)
	if err := s.store.DeleteSession(ctx, hash); err != nil {
		return err
	}
	s.revokeSessions(ctx, []string{hash})
	return nil
}

// UpdateMe changes the caller's own settings. Error: EINVALID.
func (s *Service) UpdateMe(ctx context.Context, userID string, p UserPatch) (User, error) {
	if p.DisplayName != nil {
		d := strings.TrimSpace(*p.DisplayName)
		if err := ValidateDisplayName(d); err != nil {
			return User{}, err
		}
		if d == "" {
			return User{}, Invalid("display_name", "must not be empty")
		}
		p.DisplayName = &d
	}
	if p.EmailNotifications != nil && !p.EmailNotifications.Valid() {
		return User{}, Invalid("email_notifications", "must be always, offline or never")
	}
	if p.Language != nil && !p.Language.Valid() {
		return User{}, Invalid("language", "must be en or es")
	}
	u, err := s.store.UpdateUser(ctx, userID, p)
	if err != nil {
		return User{}, err
	}
	s.userChanged(ctx, u)
	return u, nil
}

// userChanged evicts cached sessions of u everywhere, so requests see the
// new profile and preferences at once.
func (s *Service) userChanged(ctx context.Context, u User) {
	s.forgetUser(u.ID)
	ref := u.Ref()
	s.publish(ctx, SessionsChannel, Event{Type: eventUserChanged, User: &ref})
}

// Unsubscribe sets a user's e-mail preference to never, from a signed link.
// Error: EUNAUTHORIZED for a bad signature.
func (s *Service) Unsubscribe(ctx context.Context, secret []byte, userID, token string) error {
	if !CheckUnsubscribeToken(secret, userID, token) {
		return Errorf(EUNAUTHORIZED, "invalid unsubscribe link")
	}
	never := NotifyNever
	u, err := s.store.UpdateUser(ctx, userID, UserPatch{EmailNotifications: &never})
	if err != nil {
		return err
	}
	s.userChanged(ctx, u)
	return nil
}

// SearchUsers lists users whose username starts with prefix (autocomplete).
func (s *Service) SearchUsers(ctx context.Context, prefix string, limit int) ([]UserRef, error) {
	if limit <= 0 || limit > PageMaxLimit {
		return nil, Invalid("limit", "must be 1 to %d", PageMaxLimit)
	}
	if err := CheckText("prefix", prefix, TextName); err != nil {
		return nil, err
	}
	us, err := s.store.SearchUsers(ctx, NormalizeUsername(prefix), limit)
	if err != nil {
		return nil, err
	}
	out := make([]UserRef, len(us))
	for i, u := range us {
		out[i] = u.Ref()
	}
	return out, nil
}

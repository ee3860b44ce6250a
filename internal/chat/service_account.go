package chat

import (
	"context"
	"fmt"
	"time"
)

// The signed-in user's own account: password, sessions, e-mail verification.

// ChangePassword replaces the caller's password after checking the current
// one, and ends every other session of the caller (on every instance, with
// their WebSockets); the session named by keepTokenHash stays. Errors:
// EINVALID naming current_password (wrong) or new_password (too weak),
// ERATELIMITED (the account's LimitSignInAccount, shared with sign-in).
func (s *Service) ChangePassword(ctx context.Context, userID, keepTokenHash, current, next string) error {
	if err := s.checkPassword(ctx, userID, current, errWrongPassword); err != nil {
		return err
	}
	u, err := s.store.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if err := ValidatePassword("new_password", next, u.Username, u.Email, u.DisplayName); err != nil {
		return err
	}
	hash, err := s.hasher.Hash(next)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	ended, err := s.store.SetPassword(ctx, userID, hash, keepTokenHash)
	if err != nil {
		return err
	}
	s.revokeSessions(ctx, ended)
	return nil
}

var errWrongPassword = Invalid("current_password", "is not your current password")

// SessionInfo is a session as its owner sees it in the session list.
type SessionInfo struct {
	ID         string `json:"id"`
	CreatedAt  Time   `json:"created_at"`
	LastSeenAt Time   `json:"last_seen_at"`
	UserAgent  string `json:"user_agent"`
	Address    string `json:"address"`
	Current    bool   `json:"current"` // the session of the request
}

// Sessions lists the caller's unexpired sessions, most recently seen first;
// currentTokenHash marks the caller's own.
func (s *Service) Sessions(ctx context.Context, userID, currentTokenHash string) ([]SessionInfo, error) {
	ss, err := s.store.Sessions(ctx, userID, s.now())
	if err != nil {
		return nil, err
	}
	out := make([]SessionInfo, len(ss))
	for i, x := range ss {
		out[i] = SessionInfo{ID: x.ID, CreatedAt: x.CreatedAt, LastSeenAt: x.LastSeenAt, UserAgent: x.UserAgent,
			Address: x.Address, Current: x.TokenHash == currentTokenHash}
	}
	return out, nil
}

// EndSession signs out one of the caller's sessions by its public id, on
// every instance, and reports whether it was the one whose token hash is
// currentTokenHash. Error: ENOTFOUND (also for another user's session).
func (s *Service) EndSession(ctx context.Context, userID, sessionID, currentTokenHash string) (bool, error) {
	if !ValidID(sessionID) {
		return false, Errorf(ENOTFOUND, "session not found")
	}
	hash, err := s.store.DeleteSessionByID(ctx, userID, sessionID)
	if err != nil {
		return false, err
	}
	s.revokeSessions(ctx, []string{hash})
	return hash == currentTokenHash, nil
}

// EndAllSessions signs the caller out everywhere, this session included.
func (s *Service) EndAllSessions(ctx context.Context, userID string) error {
	ended, err := s.store.DeleteSessions(ctx, userID, "")
	if err != nil {
		return err
	}
	s.revokeSessions(ctx, ended)
	return nil
}

// ResendVerification queues another verification e-mail for the caller.
// Errors: ECONFLICT (already verified), EINVALID (no address),
// ERATELIMITED (within VerifyMailGap of the last one).
func (s *Service) ResendVerification(ctx context.Context, userID string) error {
	u, err := s.store.UserByID(ctx, userID)
	switch {
	case err != nil:
		return err
	case u.EmailVerified:
		return Errorf(ECONFLICT, "your e-mail address is already verified")
	case u.Email == "":
		return Invalid("email", "your account has no e-mail address")
	}
	return s.store.QueueVerificationMail(ctx, userID, s.now(), VerifyMailGap)
}

var errBadVerifyLink = Errorf(EUNAUTHORIZED, "invalid verification link")

// CheckVerifyLink checks a verification link (user id, expiry in Unix
// seconds, token) signed with secret and returns the user it verifies.
// Errors: EUNAUTHORIZED for a bad or expired link.
func (s *Service) CheckVerifyLink(ctx context.Context, secret []byte, userID string, expires int64, token string) (User, error) {
	if !ValidID(userID) {
		return User{}, errBadVerifyLink
	}
	u, err := s.store.UserByID(ctx, userID)
	switch {
	case ErrorCode(err) == ENOTFOUND:
		return User{}, errBadVerifyLink
	case err != nil:
		return User{}, err
	case !CheckEmailVerifyToken(secret, u.ID, u.Email, time.Unix(expires, 0), token):
		return User{}, errBadVerifyLink
	case !s.now().Before(time.Unix(expires, 0)):
		return User{}, Errorf(EUNAUTHORIZED, "this verification link has expired; sign in and ask for a new one")
	}
	return u, nil
}

// VerifyEmail marks the address of a verification link verified (doing it
// twice is fine). Errors: those of CheckVerifyLink.
func (s *Service) VerifyEmail(ctx context.Context, secret []byte, userID string, expires int64, token string) (User, error) {
	u, err := s.CheckVerifyLink(ctx, secret, userID, expires, token)
	if err != nil || u.EmailVerified {
		return u, err
	}
	u, err = s.store.VerifyEmail(ctx, u.ID, u.Email)
	if err != nil {
		return User{}, err
	}
	s.userChanged(ctx, u)
	return u, nil
}

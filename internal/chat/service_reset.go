package chat

import (
	"context"
	"fmt"
	"strings"
)

// RequestPasswordReset e-mails a reset link to the account with the
// address, if there is one that is active; the answer is the same either
// way (nil), so nobody learns which addresses have accounts. Each client
// address may ask LimitResetAddress times; an account gets at most one
// link per PasswordResetGap (more asks send nothing). Errors: EINVALID
// (not an address), ERATELIMITED (the client address's budget).
func (s *Service) RequestPasswordReset(ctx context.Context, secret []byte, ip, email string) error {
	email = strings.TrimSpace(email)
	if err := ValidateEmail(email); err != nil {
		return err
	}
	if err := s.Limit(ctx, LimitResetAddress, ip); err != nil {
		return err
	}
	u, err := s.store.UserByEmail(ctx, email)
	switch {
	case ErrorCode(err) == ENOTFOUND:
		return nil
	case err != nil:
		return err
	case u.DeactivatedAt != nil:
		return nil
	}
	if err := s.createReset(ctx, secret, u, nil); err != nil && ErrorCode(err) != ERATELIMITED {
		return err
	}
	return nil
}

// createReset stores a reset of u's password and queues its e-mail.
func (s *Service) createReset(ctx context.Context, secret []byte, u User, audit *AuditEntry) error {
	if len(secret) == 0 {
		return fmt.Errorf("password reset: no server secret to sign links with")
	}
	now := s.now()
	r := PasswordReset{ID: NewID(), UserID: u.ID, CreatedAt: NewTime(now), ExpiresAt: NewTime(now.Add(PasswordResetTTL))}
	r.TokenHash = HashToken(PasswordResetToken(secret, r.ID))
	return s.store.CreatePasswordReset(ctx, r, PasswordResetGap, audit)
}

var errBadResetLink = Invalid("token", "this reset link is invalid, used or expired; ask for a new one")

// ResetPassword sets a new password with the token of a reset link (once,
// before it expires) and ends every session of the account on every
// instance. The new password follows the sign-up rules. Errors: EINVALID
// (token, new_password).
func (s *Service) ResetPassword(ctx context.Context, token, password string) error {
	if token == "" || CheckText("token", token, TextSecret) != nil || len(token) > 128 {
		return errBadResetLink
	}
	hash := HashToken(token)
	u, err := s.store.PasswordResetUser(ctx, hash, s.now())
	switch {
	case ErrorCode(err) == ENOTFOUND:
		return errBadResetLink
	case err != nil:
		return err
	}
	if err := ValidatePassword("new_password", password, u.Username, u.Email, u.DisplayName); err != nil {
		return err
	}
	pwHash, err := s.hasher.Hash(password)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	ended, err := s.store.UsePasswordReset(ctx, hash, s.now(), pwHash)
	if ErrorCode(err) == ENOTFOUND {
		return errBadResetLink
	}
	if err != nil {
		return err
	}
	s.revokeSessions(ctx, ended)
	s.evictSessions("", u.ID)
	return nil
}

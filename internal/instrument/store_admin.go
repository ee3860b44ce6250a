package instrument

import (
	"context"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// The AdminStore, ReportStore and PasswordResetStore methods, wrapped as
// in store_methods.go.

func (s *Store) UserByEmail(ctx context.Context, email string) (chat.User, error) {
	return call(s, ctx, "UserByEmail", func(ctx context.Context) (chat.User, error) { return s.st.UserByEmail(ctx, email) })
}

func (s *Store) SetAdmin(ctx context.Context, userID string, admin bool, audit chat.AuditEntry) (chat.User, error) {
	return call(s, ctx, "SetAdmin", func(ctx context.Context) (chat.User, error) { return s.st.SetAdmin(ctx, userID, admin, audit) })
}

func (s *Store) SetDeactivated(ctx context.Context, userID string, at *time.Time, audit chat.AuditEntry) (chat.User, []string, error) {
	r, err := call(s, ctx, "SetDeactivated", func(ctx context.Context) (pair[chat.User, []string], error) {
		u, ended, err := s.st.SetDeactivated(ctx, userID, at, audit)
		return pair[chat.User, []string]{u, ended}, err
	})
	return r.a, r.b, err
}

func (s *Store) Users(ctx context.Context, q chat.UserQuery) ([]chat.User, error) {
	return call(s, ctx, "Users", func(ctx context.Context) ([]chat.User, error) { return s.st.Users(ctx, q) })
}

func (s *Store) AdminRooms(ctx context.Context, q chat.AdminRoomQuery) ([]chat.Room, error) {
	return call(s, ctx, "AdminRooms", func(ctx context.Context) ([]chat.Room, error) { return s.st.AdminRooms(ctx, q) })
}

func (s *Store) SetRoomArchived(ctx context.Context, roomID string, at *time.Time, audit chat.AuditEntry) (chat.Room, error) {
	return call(s, ctx, "SetRoomArchived", func(ctx context.Context) (chat.Room, error) { return s.st.SetRoomArchived(ctx, roomID, at, audit) })
}

func (s *Store) DeleteRoom(ctx context.Context, roomID string, audit chat.AuditEntry) ([]string, error) {
	return call(s, ctx, "DeleteRoom", func(ctx context.Context) ([]string, error) { return s.st.DeleteRoom(ctx, roomID, audit) })
}

func (s *Store) AppendAudit(ctx context.Context, e chat.AuditEntry) error {
	return call0(s, ctx, "AppendAudit", func(ctx context.Context) error { return s.st.AppendAudit(ctx, e) })
}

func (s *Store) AuditLog(ctx context.Context, q chat.AuditQuery) ([]chat.AuditEntry, error) {
	return call(s, ctx, "AuditLog", func(ctx context.Context) ([]chat.AuditEntry, error) { return s.st.AuditLog(ctx, q) })
}

func (s *Store) DeleteAuditBefore(ctx context.Context, cutoff time.Time) (int64, error) {
	return call(s, ctx, "DeleteAuditBefore", func(ctx context.Context) (int64, error) { return s.st.DeleteAuditBefore(ctx, cutoff) })
}

func (s *Store) CreateReport(ctx context.Context, r chat.Report) error {
	return call0(s, ctx, "CreateReport", func(ctx context.Context) error { return s.st.CreateReport(ctx, r) })
}

func (s *Store) ReportByID(ctx context.Context, id string) (chat.Report, error) {
	return call(s, ctx, "ReportByID", func(ctx context.Context) (chat.Report, error) { return s.st.ReportByID(ctx, id) })
}

func (s *Store) Reports(ctx context.Context, q chat.ReportQuery) ([]chat.Report, error) {
	return call(s, ctx, "Reports", func(ctx context.Context) ([]chat.Report, error) { return s.st.Reports(ctx, q) })
}

func (s *Store) ResolveReport(ctx context.Context, id string, status chat.ReportStatus, by chat.UserRef, action string, at time.Time,
	audit chat.AuditEntry) (chat.Report, error) {
	return call(s, ctx, "ResolveReport", func(ctx context.Context) (chat.Report, error) {
		return s.st.ResolveReport(ctx, id, status, by, action, at, audit)
	})
}

func (s *Store) CreatePasswordReset(ctx context.Context, r chat.PasswordReset, minGap time.Duration, audit *chat.AuditEntry) error {
	return call0(s, ctx, "CreatePasswordReset", func(ctx context.Context) error { return s.st.CreatePasswordReset(ctx, r, minGap, audit) })
}

func (s *Store) PasswordResetUser(ctx context.Context, tokenHash string, now time.Time) (chat.User, error) {
	return call(s, ctx, "PasswordResetUser", func(ctx context.Context) (chat.User, error) { return s.st.PasswordResetUser(ctx, tokenHash, now) })
}

func (s *Store) UsePasswordReset(ctx context.Context, tokenHash string, now time.Time, hash string) ([]string, error) {
	return call(s, ctx, "UsePasswordReset", func(ctx context.Context) ([]string, error) {
		return s.st.UsePasswordReset(ctx, tokenHash, now, hash)
	})
}

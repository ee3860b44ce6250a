package chat

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// The admin's acts. Every method here refuses a caller who is not an
// admin with EFORBIDDEN (admin routes are not secret: Mattermost answers
// 403 too), checks its input, changes the store with an audit entry in the
// same transaction, then tells caches and connections.

var errNotAdmin = Errorf(EFORBIDDEN, "only a server admin may do this")

func requireAdmin(actor User) error {
	if !actor.Admin || actor.DeactivatedAt != nil {
		return errNotAdmin
	}
	return nil
}

// SetAdmin grants or revokes admin by username, as `openchat admin` does:
// the command line has the database, so no caller is checked; the audit
// log names SystemActor. Errors: ENOTFOUND, ECONFLICT (the last admin).
func SetAdmin(ctx context.Context, st Store, username string, admin bool, now time.Time) (User, error) {
	u, err := st.UserByUsername(ctx, NormalizeUsername(username))
	if err != nil {
		return User{}, err
	}
	action := AuditAdminGrant
	if !admin {
		action = AuditAdminRevoke
	}
	return st.SetAdmin(ctx, u.ID, admin, newAudit(SystemActor, action, AuditTargetUser, u.ID,
		map[string]any{"username": u.Username}, now))
}

// UserPage is a page of accounts for admins and the cursor of the next.
type UserPage struct {
	Users      []User `json:"users"`
	NextCursor string `json:"next_cursor"`
}

// AdminUsers pages every account with its private fields (e-mail, admin,
// deactivation), filtered by q.Q. Errors: EFORBIDDEN, EINVALID.
func (s *Service) AdminUsers(ctx context.Context, actor User, q UserQuery) (UserPage, error) {
	if err := requireAdmin(actor); err != nil {
		return UserPage{}, err
	}
	if err := checkPageQuery(&q.Limit, AdminUsersMaxLimit, q.Q); err != nil {
		return UserPage{}, err
	}
	q.Q = strings.ToLower(strings.TrimSpace(q.Q))
	limit := q.Limit
	q.Limit++
	us, err := s.store.Users(ctx, q)
	if err != nil {
		return UserPage{}, err
	}
	p := UserPage{Users: us}
	if len(us) > limit {
		p.Users = us[:limit]
		p.NextCursor = us[limit-1].Username
	}
	for i := range p.Users {
		p.Users[i].PasswordHash = ""
	}
	return p, nil
}

// checkPageQuery defaults and bounds a page size and checks a search text.
func checkPageQuery(limit *int, maxLimit int, q string) error {
	switch {
	case *limit == 0:
		*limit = min(50, maxLimit)
	case *limit < 0 || *limit > maxLimit:
		return Invalid("limit", "must be 1 to %d", maxLimit)
	}
	if err := CheckText("q", q, TextLine); err != nil {
		return err
	}
	if utf8.RuneCountInString(q) > AdminUserQueryMaxLen {
		return Invalid("q", "must be at most %d characters", AdminUserQueryMaxLen)
	}
	return nil
}

// SetDeactivated deactivates (or reactivates) an account: a deactivated
// one cannot sign in, its sessions end on every instance (WebSockets
// close with 4001), its messages stay. An admin cannot deactivate
// themself. Errors: EFORBIDDEN, ENOTFOUND, EINVALID.
func (s *Service) SetDeactivated(ctx context.Context, actor User, userID string, deactivate bool) (User, error) {
	if err := requireAdmin(actor); err != nil {
		return User{}, err
	}
	if err := checkUserIDs(userID); err != nil {
		return User{}, err
	}
	if deactivate && userID == actor.ID {
		return User{}, Invalid("user_id", "you cannot deactivate your own account")
	}
	var at *time.Time
	action := AuditReactivate
	if deactivate {
		now := s.now()
		at, action = &now, AuditDeactivate
	}
	u, ended, err := s.store.SetDeactivated(ctx, userID, at, newAudit(actor.Ref(), action, AuditTargetUser, userID, nil, s.now()))
	if err != nil {
		return User{}, err
	}
	s.revokeSessions(ctx, ended)
	s.userChanged(ctx, u)
	u.PasswordHash = ""
	return u, nil
}

// SendPasswordReset e-mails a user a password-reset link, for an admin.
// Errors: EFORBIDDEN, ENOTFOUND, EINVALID (no address, deactivated),
// ERATELIMITED (within PasswordResetGap of the last link).
func (s *Service) SendPasswordReset(ctx context.Context, actor User, secret []byte, userID string) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	if err := checkUserIDs(userID); err != nil {
		return err
	}
	u, err := s.store.UserByID(ctx, userID)
	switch {
	case err != nil:
		return err
	case u.Email == "":
		return Invalid("user_id", "this account has no e-mail address")
	case u.DeactivatedAt != nil:
		return Invalid("user_id", "this account is deactivated; reactivate it first")
	}
	audit := newAudit(actor.Ref(), AuditPasswordReset, AuditTargetUser, u.ID, nil, s.now())
	return s.createReset(ctx, secret, u, &audit)
}

// AdminRooms pages public and private rooms for admins. Errors:
// EFORBIDDEN, EINVALID.
func (s *Service) AdminRooms(ctx context.Context, actor User, q RoomQuery) (RoomPage, error) {
	if err := requireAdmin(actor); err != nil {
		return RoomPage{}, err
	}
	if err := checkPageQuery(&q.Limit, RoomsMaxLimit, q.Q); err != nil {
		return RoomPage{}, err
	}
	after, err := decodeRoomCursor(q.Cursor)
	if err != nil {
		return RoomPage{}, err
	}
	rooms, err := s.store.AdminRooms(ctx, AdminRoomQuery{Q: FoldName(strings.TrimSpace(q.Q)), AfterKey: after, Limit: q.Limit + 1})
	if err != nil {
		return RoomPage{}, err
	}
	p := RoomPage{Rooms: rooms}
	if len(rooms) > q.Limit {
		p.Rooms = rooms[:q.Limit]
		p.NextCursor = encodeRoomCursor(rooms[q.Limit-1])
	}
	return p, nil
}

// adminRoom returns a public or private room for an admin's act (direct
// conversations are their members' alone). Errors: EFORBIDDEN, ENOTFOUND.
func (s *Service) adminRoom(ctx context.Context, actor User, roomID string) (roomMeta, error) {
	if err := requireAdmin(actor); err != nil {
		return roomMeta{}, err
	}
	meta, err := s.roomMeta(ctx, roomID)
	if err == nil && meta.vis == Direct {
		err = Errorf(EFORBIDDEN, "direct conversations are not administered")
	}
	return meta, err
}

// SetArchived archives a room (read-only: members still read it; posts,
// edits, reactions, invitations and changes are refused with EARCHIVED)
// or unarchives it. Errors: EFORBIDDEN, ENOTFOUND.
func (s *Service) SetArchived(ctx context.Context, actor User, roomID string, archive bool) (Room, error) {
	meta, err := s.adminRoom(ctx, actor, roomID)
	if err != nil {
		return Room{}, err
	}
	var at *time.Time
	action := AuditRoomUnarchive
	if archive {
		now := s.now()
		at, action = &now, AuditRoomArchive
	}
	r, err := s.store.SetRoomArchived(ctx, roomID, at, newAudit(actor.Ref(), action, AuditTargetRoom, roomID,
		map[string]any{"name": meta.room.Name}, s.now()))
	if err != nil {
		return Room{}, err
	}
	s.roomChanged(ctx, r, &r)
	return r, nil
}

// roomChanged makes every instance forget what it cached of room and pass
// after (the room renamed, with a new topic, archived or unarchived) to its
// subscribers; after is nil when the room was deleted. The directory of
// public rooms is reloaded.
func (s *Service) roomChanged(ctx context.Context, room Room, after *Room) {
	s.members.forgetRoom(room.ID)
	s.publish(ctx, MembersChannel, Event{Type: EventRoomChanged, RoomID: room.ID, Room: after})
	if room.Visibility == Public {
		s.invalidateRooms(ctx)
	}
}

// DeleteRoom removes a room and its messages for good. Its members'
// connections get a "removed" frame, as if each had been removed.
// Errors: EFORBIDDEN, ENOTFOUND.
func (s *Service) DeleteRoom(ctx context.Context, actor User, roomID string) error {
	meta, err := s.adminRoom(ctx, actor, roomID)
	if err != nil {
		return err
	}
	members, err := s.store.DeleteRoom(ctx, roomID, newAudit(actor.Ref(), AuditRoomDelete, AuditTargetRoom, roomID,
		map[string]any{"name": meta.room.Name, "visibility": meta.vis}, s.now()))
	if err != nil {
		return err
	}
	if err := s.cache.InvalidateMessages(ctx, roomID); err != nil {
		s.setDirty(roomID, true)
	}
	s.roomChanged(ctx, meta.room, nil)
	for _, id := range members {
		s.members.forget(roomID, id)
		s.publish(ctx, MembersChannel, Event{Type: EventMemberRemoved, RoomID: roomID, UserID: id})
	}
	return nil
}

// AuditPage is a page of the audit log, newest first; NextBefore is the
// before of the next page (0 at the end).
type AuditPage struct {
	Entries    []AuditEntry `json:"entries"`
	NextBefore int64        `json:"next_before"`
}

// AuditLog pages the audit log for admins. Errors: EFORBIDDEN, EINVALID.
func (s *Service) AuditLog(ctx context.Context, actor User, q AuditQuery) (AuditPage, error) {
	if err := requireAdmin(actor); err != nil {
		return AuditPage{}, err
	}
	switch {
	case q.Limit == 0:
		q.Limit = AuditDefaultLimit
	case q.Limit < 0 || q.Limit > AuditMaxLimit:
		return AuditPage{}, Invalid("limit", "must be 1 to %d", AuditMaxLimit)
	}
	if q.Before < 0 {
		return AuditPage{}, Invalid("before", "must be an entry id")
	}
	if q.ActorID != "" && !ValidID(q.ActorID) {
		return AuditPage{}, Invalid("actor", "must be a user id")
	}
	if len(q.Action) > AuditActionMaxLen || CheckText("action", q.Action, TextName) != nil {
		return AuditPage{}, Invalid("action", "must be an action name such as %s", AuditDeactivate)
	}
	limit := q.Limit
	q.Limit++
	es, err := s.store.AuditLog(ctx, q)
	if err != nil {
		return AuditPage{}, err
	}
	p := AuditPage{Entries: es}
	if len(es) > limit {
		p.Entries = es[:limit]
		p.NextBefore = es[limit-1].ID
	}
	return p, nil
}

package chat

import (
	"cmp"
	"context"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
)

// Who may do what in a room is decided here, once, for every transport.
// A non-member asking for a private or direct room gets ENOTFOUND, the same
// answer as for a room that does not exist, so nothing reveals it; a member
// without the role gets EFORBIDDEN.

var errRoomNotFound = Errorf(ENOTFOUND, "room not found")

// checkUserIDs answers ENOTFOUND, without asking the store, for an id no
// user can have.
func checkUserIDs(ids ...string) error {
	for _, id := range ids {
		if !ValidID(id) {
			return Errorf(ENOTFOUND, "user not found")
		}
	}
	return nil
}

// access is what a reader of a room is: the room's kind and the reader's
// role ("" for a non-member of a public room).
type access struct {
	meta roomMeta
	role Role
}

// authorize returns the actor's access to a room it may read. Errors:
// ENOTFOUND (no such room, or one the actor may not see).
func (s *Service) authorize(ctx context.Context, actor User, roomID string) (access, error) {
	meta, err := s.roomMeta(ctx, roomID)
	if err != nil {
		return access{}, err
	}
	role, err := s.memberRole(ctx, roomID, actor.ID)
	if err != nil {
		return access{}, err
	}
	if role == "" && meta.vis != Public {
		return access{}, errRoomNotFound
	}
	return access{meta: meta, role: role}, nil
}

// readable returns the room's kind if the actor may read it: anyone a
// public room (without looking the membership up: reading needs none, and
// a subscribe must not cost a query), members the others. Error: ENOTFOUND.
func (s *Service) readable(ctx context.Context, actor User, roomID string) (roomMeta, error) {
	meta, err := s.roomMeta(ctx, roomID)
	if err != nil || meta.vis == Public {
		return meta, err
	}
	role, err := s.memberRole(ctx, roomID, actor.ID)
	if err == nil && role == "" {
		err = errRoomNotFound
	}
	return meta, err
}

// CanRead reports, as an error, whether actor may read the room and
// receive its events (ENOTFOUND otherwise). The WebSocket layer asks before
// subscribing.
func (s *Service) CanRead(ctx context.Context, actor User, roomID string) error {
	_, err := s.readable(ctx, actor, roomID)
	return err
}

// join makes actor a member of a public room it posts to or joins.
func (s *Service) join(ctx context.Context, actor User, roomID string) error {
	added, err := s.store.AddMember(ctx, roomID, actor.ID, MemberRole, NewTime(s.now()))
	if err != nil {
		return err
	}
	s.members.setRole(roomID, actor.ID, MemberRole, s.now())
	if added {
		s.announceMember(ctx, roomID, actor.ID)
	}
	return nil
}

// announceMember publishes that userID joined the room, with the room as
// that member sees it, so its open connections list it at once.
func (s *Service) announceMember(ctx context.Context, roomID, userID string) {
	s.announce(ctx, EventMemberAdded, roomID, userID)
}

// announceJoin publishes that m's author joined the room by posting m,
// with no query: it has read everything up to its own message.
func (s *Service) announceJoin(ctx context.Context, meta roomMeta, m Message) {
	mine := MyRoom{Room: meta.room, Role: MemberRole, LastSeq: m.Seq, LastReadSeq: m.Seq}
	s.publish(ctx, MembersChannel, Event{Type: EventMemberAdded, RoomID: m.RoomID, UserID: m.Author.ID, MyRoom: &mine})
}

// announce publishes a membership event carrying the room as the member
// now sees it (role included).
func (s *Service) announce(ctx context.Context, typ, roomID, userID string) {
	e := Event{Type: typ, RoomID: roomID, UserID: userID}
	if mine, err := s.myRoom(ctx, roomID, userID); err == nil {
		e.MyRoom = &mine
	} else {
		s.log.WarnContext(ctx, "room of a new member unreadable", "room", roomID, "err", err)
	}
	s.publish(ctx, MembersChannel, e)
}

func (s *Service) myRoom(ctx context.Context, roomID, userID string) (MyRoom, error) {
	rooms, err := s.store.MyRooms(ctx, userID, roomID)
	if err != nil {
		return MyRoom{}, err
	}
	if len(rooms) != 1 {
		return MyRoom{}, errRoomNotFound
	}
	return s.overlayRead(finishMyRoom(rooms[0]), userID), nil
}

// finishMyRoom applies the rules the store does not: in a direct room
// every unread message counts as a mention.
func finishMyRoom(r MyRoom) MyRoom {
	if r.Visibility == Direct {
		r.UnreadMentions = r.Unread
	}
	return r
}

// MyRooms lists the actor's rooms of every kind with their read state.
func (s *Service) MyRooms(ctx context.Context, actor User) ([]MyRoom, error) {
	rooms, err := s.store.MyRooms(ctx, actor.ID, "")
	if err != nil {
		return nil, err
	}
	for i := range rooms {
		rooms[i] = s.overlayRead(finishMyRoom(rooms[i]), actor.ID)
	}
	slices.SortFunc(rooms, compareMyRooms)
	return nonNil(rooms), nil
}

// compareMyRooms orders a member's list: named rooms by name
// (case-insensitively), then direct rooms by their other members.
func compareMyRooms(a, b MyRoom) int {
	if (a.Visibility == Direct) != (b.Visibility == Direct) {
		if a.Visibility == Direct {
			return 1
		}
		return -1
	}
	return cmp.Or(strings.Compare(FoldName(a.Name), FoldName(b.Name)),
		strings.Compare(directLabel(a.Members), directLabel(b.Members)), strings.Compare(a.ID, b.ID))
}

func directLabel(members []UserRef) string {
	names := make([]string, len(members))
	for i, m := range members {
		names[i] = m.Username
	}
	return strings.Join(names, ",")
}

// AddMember joins the actor to a public room (userID = actor) or invites
// someone: any member of a public room, the owner and moderators of a
// private one. Direct rooms keep their set of people. Idempotent. An
// invitation counts against the actor's LimitInvites. Errors: ENOTFOUND
// (room, or user), EFORBIDDEN, ERATELIMITED.
func (s *Service) AddMember(ctx context.Context, actor User, roomID, userID string) error {
	a, err := s.authorize(ctx, actor, roomID)
	if err == nil {
		err = checkUserIDs(userID)
	}
	if err == nil && (userID != actor.ID || a.role == "") {
		err = writable(a.meta) // nobody joins an archived room
	}
	if err != nil {
		return err
	}
	switch {
	case a.meta.vis == Direct:
		return Errorf(EFORBIDDEN, "a direct conversation keeps its people; start another one instead")
	case userID == actor.ID && a.role != "":
		return nil
	case userID == actor.ID:
		return s.join(ctx, actor, roomID) // public: authorize refused others
	case a.role == "":
		return Errorf(EFORBIDDEN, "join the room before inviting others")
	case a.meta.vis == Private && !a.role.manages():
		return Errorf(EFORBIDDEN, "only the owner and moderators may invite to a private room")
	}
	if err := s.Limit(ctx, LimitInvites, actor.ID); err != nil {
		return err
	}
	added, err := s.store.AddMember(ctx, roomID, userID, MemberRole, NewTime(s.now()))
	if err != nil {
		if ErrorCode(err) == ENOTFOUND {
			return Errorf(ENOTFOUND, "user not found")
		}
		return err
	}
	s.members.forget(roomID, userID)
	if added {
		s.announceMember(ctx, roomID, userID)
	}
	return nil
}

// RemoveMember lets the actor leave (userID = actor) or removes someone:
// the owner may remove anyone, a moderator only plain members. Removing a
// non-member changes nothing. Errors: ENOTFOUND, EFORBIDDEN.
func (s *Service) RemoveMember(ctx context.Context, actor User, roomID, userID string) error {
	a, err := s.authorize(ctx, actor, roomID)
	if err == nil {
		err = checkUserIDs(userID)
	}
	if err != nil {
		return err
	}
	if userID != actor.ID {
		if a.meta.vis == Direct {
			return Errorf(EFORBIDDEN, "nobody can be removed from a direct conversation; leave it instead")
		}
		if !a.role.manages() {
			return Errorf(EFORBIDDEN, "only the owner and moderators may remove members")
		}
		target, err := s.memberRole(ctx, roomID, userID)
		if err != nil {
			return err
		}
		if target == "" {
			return nil
		}
		if a.role != Owner && target != MemberRole {
			return Errorf(EFORBIDDEN, "only the owner may remove the owner or a moderator")
		}
	}
	return s.removeMember(ctx, roomID, userID)
}

// removeMember ends a membership and publishes it, and the room's new
// owner if the owner left.
func (s *Service) removeMember(ctx context.Context, roomID, userID string) error {
	removed, newOwner, err := s.store.RemoveMember(ctx, roomID, userID)
	if err != nil {
		return err
	}
	s.members.forget(roomID, userID)
	if !removed {
		return nil
	}
	s.publish(ctx, MembersChannel, Event{Type: EventMemberRemoved, RoomID: roomID, UserID: userID})
	if newOwner != "" {
		s.members.forget(roomID, newOwner)
		s.announce(ctx, EventMemberRole, roomID, newOwner)
	}
	return nil
}

// SetRole changes a member's role; only the owner may. Making someone
// owner hands the room over (the old owner becomes a moderator). Errors:
// EINVALID, ENOTFOUND, EFORBIDDEN.
func (s *Service) SetRole(ctx context.Context, actor User, roomID, userID string, role Role) (Member, error) {
	a, err := s.authorize(ctx, actor, roomID)
	if err == nil {
		err = checkUserIDs(userID)
	}
	if err != nil {
		return Member{}, err
	}
	switch {
	case !role.Valid():
		return Member{}, Invalid("role", "must be owner, moderator or member")
	case a.meta.vis == Direct:
		return Member{}, Errorf(EFORBIDDEN, "a direct conversation has no roles")
	case a.role != Owner:
		return Member{}, Errorf(EFORBIDDEN, "only the owner may change roles")
	case userID == actor.ID && role != Owner:
		return Member{}, Invalid("role", "the owner hands the room over by making another member owner")
	}
	m, err := s.store.SetRole(ctx, roomID, userID, role)
	if err != nil {
		if ErrorCode(err) == ENOTFOUND {
			return Member{}, Errorf(ENOTFOUND, "not a member of this room")
		}
		return Member{}, err
	}
	for _, id := range slices.Compact([]string{userID, actor.ID}) {
		s.members.forget(roomID, id)
		s.announce(ctx, EventMemberRole, roomID, id)
	}
	return m, nil
}

// Members pages a room's members in join order. Errors: EINVALID, ENOTFOUND.
func (s *Service) Members(ctx context.Context, actor User, roomID string, q MemberQuery) (MemberPage, error) {
	if err := s.CanRead(ctx, actor, roomID); err != nil {
		return MemberPage{}, err
	}
	switch {
	case q.Limit == 0:
		q.Limit = PageDefaultLimit
	case q.Limit < 0 || q.Limit > MembersMaxLimit:
		return MemberPage{}, Invalid("limit", "must be 1 to %d", MembersMaxLimit)
	}
	after, err := decodeMemberCursor(q.Cursor)
	if err != nil {
		return MemberPage{}, err
	}
	ms, err := s.store.Members(ctx, roomID, after, q.Limit+1)
	if err != nil {
		return MemberPage{}, err
	}
	p := MemberPage{Members: nonNil(ms)}
	if len(ms) > q.Limit {
		p.Members = ms[:q.Limit]
		last := p.Members[q.Limit-1]
		p.NextCursor = encodeMemberCursor(MemberCursor{JoinedAt: last.JoinedAt, UserID: last.User.ID})
	}
	return p, nil
}

func encodeMemberCursor(c MemberCursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.JoinedAt.UnixMilli(), 10) + " " + c.UserID))
}

func decodeMemberCursor(s string) (MemberCursor, error) {
	if s == "" {
		return MemberCursor{}, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	ms, id, ok := strings.Cut(string(b), " ")
	n, errN := strconv.ParseInt(ms, 10, 64)
	if err != nil || !ok || errN != nil || id == "" {
		return MemberCursor{}, Invalid("cursor", "is not a cursor this server gave out")
	}
	return MemberCursor{JoinedAt: timeFromMS(n), UserID: id}, nil
}

// OpenDirect returns the direct room of the actor and userIDs, creating it
// if there is none (created). 2 to DirectMaxMembers people, the actor
// included. Each call counts against the actor's LimitInvites. Errors:
// EINVALID, ENOTFOUND (user), ERATELIMITED.
func (s *Service) OpenDirect(ctx context.Context, actor User, userIDs []string) (Room, bool, error) {
	ids := append(slices.Clone(userIDs), actor.ID)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) < 2 || len(ids) > DirectMaxMembers {
		return Room{}, false, Invalid("user_ids", "a direct conversation has 2 to %d people, you included", DirectMaxMembers)
	}
	if err := checkUserIDs(ids...); err != nil {
		return Room{}, false, err
	}
	users, err := s.store.UsersByIDs(ctx, ids)
	if err != nil {
		return Room{}, false, err
	}
	if len(users) != len(ids) {
		return Room{}, false, Errorf(ENOTFOUND, "user not found")
	}
	if err := s.Limit(ctx, LimitInvites, actor.ID); err != nil {
		return Room{}, false, err
	}
	r := Room{ID: NewID(), Visibility: Direct, CreatedBy: actor.ID, CreatedAt: NewTime(s.now())}
	r, created, err := s.store.CreateDirectRoom(ctx, r, ids)
	if err != nil {
		return Room{}, false, err
	}
	for _, id := range ids {
		s.members.forget(r.ID, id)
	}
	if created {
		for _, id := range ids {
			s.announceMember(ctx, r.ID, id)
		}
	}
	r.Members = othersOf(users, actor.ID)
	return r, created, nil
}

func othersOf(users []User, self string) []UserRef {
	out := make([]UserRef, 0, len(users))
	for _, u := range users {
		if u.ID != self {
			out = append(out, u.Ref())
		}
	}
	slices.SortFunc(out, func(a, b UserRef) int { return strings.Compare(a.Username, b.Username) })
	return out
}

// MarkRead moves the actor's read position in a room to seq; it never
// moves backwards. The actor's other connections are told. Errors:
// EINVALID, ENOTFOUND, EFORBIDDEN (not a member of a public room).
func (s *Service) MarkRead(ctx context.Context, actor User, roomID string, seq int64) error {
	if seq < 0 {
		return Invalid("seq", "must be a seq number (0 or more)")
	}
	a, err := s.authorize(ctx, actor, roomID)
	if err != nil {
		return err
	}
	if a.role == "" {
		return Errorf(EFORBIDDEN, "join the room to keep a read position in it")
	}
	pos, moved, err := s.store.MarkRead(ctx, roomID, actor.ID, seq)
	if err != nil || !moved {
		return err
	}
	s.publish(ctx, MembersChannel, Event{Type: EventRead, RoomID: roomID, UserID: actor.ID, Seq: pos})
	return nil
}

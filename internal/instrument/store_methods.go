package instrument

import (
	"context"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// One method per chat.Store method; each is the wrapped call under its name.

func (s *Store) CreateUser(ctx context.Context, u chat.User) error {
	return call0(s, ctx, "CreateUser", func(ctx context.Context) error { return s.st.CreateUser(ctx, u) })
}

func (s *Store) UserByID(ctx context.Context, id string) (chat.User, error) {
	return call(s, ctx, "UserByID", func(ctx context.Context) (chat.User, error) { return s.st.UserByID(ctx, id) })
}

func (s *Store) UserByUsername(ctx context.Context, username string) (chat.User, error) {
	return call(s, ctx, "UserByUsername", func(ctx context.Context) (chat.User, error) { return s.st.UserByUsername(ctx, username) })
}

func (s *Store) UsersByUsernames(ctx context.Context, usernames []string) ([]chat.User, error) {
	return call(s, ctx, "UsersByUsernames", func(ctx context.Context) ([]chat.User, error) { return s.st.UsersByUsernames(ctx, usernames) })
}

func (s *Store) UsersByIDs(ctx context.Context, ids []string) ([]chat.User, error) {
	return call(s, ctx, "UsersByIDs", func(ctx context.Context) ([]chat.User, error) { return s.st.UsersByIDs(ctx, ids) })
}

func (s *Store) SearchUsers(ctx context.Context, prefix string, limit int) ([]chat.User, error) {
	return call(s, ctx, "SearchUsers", func(ctx context.Context) ([]chat.User, error) { return s.st.SearchUsers(ctx, prefix, limit) })
}

func (s *Store) UpdateUser(ctx context.Context, id string, p chat.UserPatch) (chat.User, error) {
	return call(s, ctx, "UpdateUser", func(ctx context.Context) (chat.User, error) { return s.st.UpdateUser(ctx, id, p) })
}

func (s *Store) VerifyEmail(ctx context.Context, userID, email string) (chat.User, error) {
	return call(s, ctx, "VerifyEmail", func(ctx context.Context) (chat.User, error) { return s.st.VerifyEmail(ctx, userID, email) })
}

func (s *Store) SetPassword(ctx context.Context, userID, hash, keep string) ([]string, error) {
	return call(s, ctx, "SetPassword", func(ctx context.Context) ([]string, error) { return s.st.SetPassword(ctx, userID, hash, keep) })
}

func (s *Store) CreateSession(ctx context.Context, sess chat.Session) error {
	return call0(s, ctx, "CreateSession", func(ctx context.Context) error { return s.st.CreateSession(ctx, sess) })
}

func (s *Store) SessionUser(ctx context.Context, tokenHash string, now time.Time) (chat.User, chat.Session, error) {
	r, err := call(s, ctx, "SessionUser", func(ctx context.Context) (pair[chat.User, chat.Session], error) {
		u, sess, err := s.st.SessionUser(ctx, tokenHash, now)
		return pair[chat.User, chat.Session]{u, sess}, err
	})
	return r.a, r.b, err
}

func (s *Store) TouchSession(ctx context.Context, tokenHash string, at time.Time) error {
	return call0(s, ctx, "TouchSession", func(ctx context.Context) error { return s.st.TouchSession(ctx, tokenHash, at) })
}

func (s *Store) Sessions(ctx context.Context, userID string, now time.Time) ([]chat.Session, error) {
	return call(s, ctx, "Sessions", func(ctx context.Context) ([]chat.Session, error) { return s.st.Sessions(ctx, userID, now) })
}

func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	return call0(s, ctx, "DeleteSession", func(ctx context.Context) error { return s.st.DeleteSession(ctx, tokenHash) })
}

func (s *Store) DeleteSessionByID(ctx context.Context, userID, id string) (string, error) {
	return call(s, ctx, "DeleteSessionByID", func(ctx context.Context) (string, error) { return s.st.DeleteSessionByID(ctx, userID, id) })
}

func (s *Store) DeleteSessions(ctx context.Context, userID, keep string) ([]string, error) {
	return call(s, ctx, "DeleteSessions", func(ctx context.Context) ([]string, error) { return s.st.DeleteSessions(ctx, userID, keep) })
}

func (s *Store) CreateRoom(ctx context.Context, r chat.Room) error {
	return call0(s, ctx, "CreateRoom", func(ctx context.Context) error { return s.st.CreateRoom(ctx, r) })
}

func (s *Store) CreateDirectRoom(ctx context.Context, r chat.Room, memberIDs []string) (chat.Room, bool, error) {
	res, err := call(s, ctx, "CreateDirectRoom", func(ctx context.Context) (pair[chat.Room, bool], error) {
		room, created, err := s.st.CreateDirectRoom(ctx, r, memberIDs)
		return pair[chat.Room, bool]{room, created}, err
	})
	return res.a, res.b, err
}

func (s *Store) RoomByID(ctx context.Context, id string) (chat.Room, error) {
	return call(s, ctx, "RoomByID", func(ctx context.Context) (chat.Room, error) { return s.st.RoomByID(ctx, id) })
}

func (s *Store) Rooms(ctx context.Context) ([]chat.Room, error) {
	return call(s, ctx, "Rooms", s.st.Rooms)
}

func (s *Store) UpdateRoom(ctx context.Context, id string, p chat.RoomPatch) (chat.Room, error) {
	return call(s, ctx, "UpdateRoom", func(ctx context.Context) (chat.Room, error) { return s.st.UpdateRoom(ctx, id, p) })
}

func (s *Store) Member(ctx context.Context, roomID, userID string) (chat.Member, error) {
	return call(s, ctx, "Member", func(ctx context.Context) (chat.Member, error) { return s.st.Member(ctx, roomID, userID) })
}

func (s *Store) AddMember(ctx context.Context, roomID, userID string, role chat.Role, now chat.Time) (bool, error) {
	return call(s, ctx, "AddMember", func(ctx context.Context) (bool, error) { return s.st.AddMember(ctx, roomID, userID, role, now) })
}

func (s *Store) RemoveMember(ctx context.Context, roomID, userID string) (bool, string, error) {
	r, err := call(s, ctx, "RemoveMember", func(ctx context.Context) (pair[bool, string], error) {
		removed, owner, err := s.st.RemoveMember(ctx, roomID, userID)
		return pair[bool, string]{removed, owner}, err
	})
	return r.a, r.b, err
}

func (s *Store) SetRole(ctx context.Context, roomID, userID string, role chat.Role) (chat.Member, error) {
	return call(s, ctx, "SetRole", func(ctx context.Context) (chat.Member, error) { return s.st.SetRole(ctx, roomID, userID, role) })
}

func (s *Store) Members(ctx context.Context, roomID string, after chat.MemberCursor, limit int) ([]chat.Member, error) {
	return call(s, ctx, "Members", func(ctx context.Context) ([]chat.Member, error) { return s.st.Members(ctx, roomID, after, limit) })
}

func (s *Store) MemberIDs(ctx context.Context, roomID string, only []string) ([]string, error) {
	return call(s, ctx, "MemberIDs", func(ctx context.Context) ([]string, error) { return s.st.MemberIDs(ctx, roomID, only) })
}

func (s *Store) MyRooms(ctx context.Context, userID, roomID string) ([]chat.MyRoom, error) {
	return call(s, ctx, "MyRooms", func(ctx context.Context) ([]chat.MyRoom, error) { return s.st.MyRooms(ctx, userID, roomID) })
}

func (s *Store) MarkRead(ctx context.Context, roomID, userID string, seq int64) (int64, bool, error) {
	r, err := call(s, ctx, "MarkRead", func(ctx context.Context) (pair[int64, bool], error) {
		pos, moved, err := s.st.MarkRead(ctx, roomID, userID, seq)
		return pair[int64, bool]{pos, moved}, err
	})
	return r.a, r.b, err
}

func (s *Store) MarkReads(ctx context.Context, marks []chat.ReadMark) error {
	return call0(s, ctx, "MarkReads", func(ctx context.Context) error { return s.st.MarkReads(ctx, marks) })
}

func (s *Store) AppendMessage(ctx context.Context, m chat.NewMessage) (chat.Message, bool, error) {
	r, err := call(s, ctx, "AppendMessage", func(ctx context.Context) (pair[chat.Message, bool], error) {
		msg, created, err := s.st.AppendMessage(ctx, m)
		return pair[chat.Message, bool]{msg, created}, err
	})
	return r.a, r.b, err
}

func (s *Store) Messages(ctx context.Context, roomID string, q chat.MessageQuery) ([]chat.Message, error) {
	return call(s, ctx, "Messages", func(ctx context.Context) ([]chat.Message, error) { return s.st.Messages(ctx, roomID, q) })
}

func (s *Store) Mentions(ctx context.Context, userID string, before int64, limit int) ([]chat.Mention, error) {
	return call(s, ctx, "Mentions", func(ctx context.Context) ([]chat.Mention, error) { return s.st.Mentions(ctx, userID, before, limit) })
}

func (s *Store) SearchMessages(ctx context.Context, q chat.MessageSearch) ([]chat.SearchHit, error) {
	return call(s, ctx, "SearchMessages", func(ctx context.Context) ([]chat.SearchHit, error) { return s.st.SearchMessages(ctx, q) })
}

func (s *Store) FormBatches(ctx context.Context, now time.Time, window time.Duration) (int, error) {
	return call(s, ctx, "FormBatches", func(ctx context.Context) (int, error) { return s.st.FormBatches(ctx, now, window) })
}

func (s *Store) ClaimBatches(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]chat.MailBatch, error) {
	return call(s, ctx, "ClaimBatches", func(ctx context.Context) ([]chat.MailBatch, error) {
		return s.st.ClaimBatches(ctx, owner, now, lease, limit)
	})
}

func (s *Store) FinishBatch(ctx context.Context, id, owner string, status chat.BatchStatus, now time.Time) error {
	return call0(s, ctx, "FinishBatch", func(ctx context.Context) error { return s.st.FinishBatch(ctx, id, owner, status, now) })
}

func (s *Store) RetryBatch(ctx context.Context, id, owner, lastErr string, next time.Time, giveUp bool) error {
	return call0(s, ctx, "RetryBatch", func(ctx context.Context) error { return s.st.RetryBatch(ctx, id, owner, lastErr, next, giveUp) })
}

func (s *Store) DeferBatch(ctx context.Context, id, owner string, next time.Time) error {
	return call0(s, ctx, "DeferBatch", func(ctx context.Context) error { return s.st.DeferBatch(ctx, id, owner, next) })
}

func (s *Store) QueueVerificationMail(ctx context.Context, userID string, now time.Time, minGap time.Duration) error {
	return call0(s, ctx, "QueueVerificationMail", func(ctx context.Context) error {
		return s.st.QueueVerificationMail(ctx, userID, now, minGap)
	})
}

func (s *Store) SentSince(ctx context.Context, address string, since time.Time) (int, error) {
	return call(s, ctx, "SentSince", func(ctx context.Context) (int, error) { return s.st.SentSince(ctx, address, since) })
}

func (s *Store) MailBatches(ctx context.Context, status chat.BatchStatus, limit int) ([]chat.MailBatch, error) {
	return call(s, ctx, "MailBatches", func(ctx context.Context) ([]chat.MailBatch, error) { return s.st.MailBatches(ctx, status, limit) })
}

func (s *Store) OutboxStats(ctx context.Context) (chat.OutboxStats, error) {
	return call(s, ctx, "OutboxStats", s.st.OutboxStats)
}

// chat.ChangeStore

func (s *Store) MessageBySeq(ctx context.Context, roomID string, seq int64) (chat.Message, error) {
	return call(s, ctx, "MessageBySeq", func(ctx context.Context) (chat.Message, error) {
		return s.st.MessageBySeq(ctx, roomID, seq)
	})
}

func (s *Store) EditMessage(ctx context.Context, e chat.MessageEdit) (chat.Message, error) {
	return call(s, ctx, "EditMessage", func(ctx context.Context) (chat.Message, error) { return s.st.EditMessage(ctx, e) })
}

func (s *Store) DeleteMessage(ctx context.Context, roomID string, seq int64) (chat.Message, error) {
	return call(s, ctx, "DeleteMessage", func(ctx context.Context) (chat.Message, error) {
		return s.st.DeleteMessage(ctx, roomID, seq)
	})
}

func (s *Store) React(ctx context.Context, roomID string, seq int64, userID, emoji string, add bool) (chat.Message, bool, error) {
	r, err := call(s, ctx, "React", func(ctx context.Context) (pair[chat.Message, bool], error) {
		m, changed, err := s.st.React(ctx, roomID, seq, userID, emoji, add)
		return pair[chat.Message, bool]{m, changed}, err
	})
	return r.a, r.b, err
}

func (s *Store) ChangesAfter(ctx context.Context, roomID string, after int64, limit int) ([]chat.Message, error) {
	return call(s, ctx, "ChangesAfter", func(ctx context.Context) ([]chat.Message, error) {
		return s.st.ChangesAfter(ctx, roomID, after, limit)
	})
}

func (s *Store) Head(ctx context.Context, roomID string) (chat.Head, error) {
	return call(s, ctx, "Head", func(ctx context.Context) (chat.Head, error) { return s.st.Head(ctx, roomID) })
}

func (s *Store) Heads(ctx context.Context, roomIDs []string) (map[string]chat.Head, error) {
	return call(s, ctx, "Heads", func(ctx context.Context) (map[string]chat.Head, error) { return s.st.Heads(ctx, roomIDs) })
}

func (s *Store) Replies(ctx context.Context, roomID string, parent, after int64, limit int) ([]chat.Message, error) {
	return call(s, ctx, "Replies", func(ctx context.Context) ([]chat.Message, error) {
		return s.st.Replies(ctx, roomID, parent, after, limit)
	})
}

func (s *Store) MessagesByAuthor(ctx context.Context, userID string, after chat.MessageKey, limit int) ([]chat.Message, error) {
	return call(s, ctx, "MessagesByAuthor", func(ctx context.Context) ([]chat.Message, error) {
		return s.st.MessagesByAuthor(ctx, userID, after, limit)
	})
}

func (s *Store) ReactionsByUser(ctx context.Context, userID string, after chat.ReactionKey, limit int) ([]chat.UserReaction, error) {
	return call(s, ctx, "ReactionsByUser", func(ctx context.Context) ([]chat.UserReaction, error) {
		return s.st.ReactionsByUser(ctx, userID, after, limit)
	})
}

func (s *Store) EraseUser(ctx context.Context, userID, username string, now time.Time) ([]string, error) {
	return call(s, ctx, "EraseUser", func(ctx context.Context) ([]string, error) { return s.st.EraseUser(ctx, userID, username, now) })
}

func (s *Store) DeleteExpiredResets(ctx context.Context, before time.Time, limit int) (int64, error) {
	return call(s, ctx, "DeleteExpiredResets", func(ctx context.Context) (int64, error) { return s.st.DeleteExpiredResets(ctx, before, limit) })
}

func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time, limit int) (int64, error) {
	return call(s, ctx, "DeleteExpiredSessions", func(ctx context.Context) (int64, error) { return s.st.DeleteExpiredSessions(ctx, now, limit) })
}

func (s *Store) DeleteMailHistory(ctx context.Context, before time.Time, limit int) (int64, error) {
	return call(s, ctx, "DeleteMailHistory", func(ctx context.Context) (int64, error) { return s.st.DeleteMailHistory(ctx, before, limit) })
}

func (s *Store) ClearClientIDs(ctx context.Context, before time.Time, limit int) (int64, error) {
	return call(s, ctx, "ClearClientIDs", func(ctx context.Context) (int64, error) { return s.st.ClearClientIDs(ctx, before, limit) })
}

func (s *Store) LiveMessagesBefore(ctx context.Context, before time.Time, limit int) ([]chat.MessageKey, error) {
	return call(s, ctx, "LiveMessagesBefore", func(ctx context.Context) ([]chat.MessageKey, error) {
		return s.st.LiveMessagesBefore(ctx, before, limit)
	})
}

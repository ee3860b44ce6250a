package chat

import (
	"context"
	"fmt"
)

// errWrongAccountPassword answers a deletion with the wrong password: 403,
// not 401, which a client would take for "signed out".
var errWrongAccountPassword = Errorf(EFORBIDDEN, "the password is wrong; the account is unchanged")

// DeleteAccount deletes the account targetID after checking the actor's
// password (the owner's own, or an administrator's once
// mayManageAccount admits one). In order, each step through the path
// that makes it visible to others:
//   - every session ends, its WebSockets closed with 4001 on every instance;
//   - the user's reactions are taken back (reaction events, change stream);
//   - the user leaves every room (member_removed; an owner's room passes on
//     as when the owner leaves);
//   - with ServiceConfig.EraseOnDelete, every message of the user becomes a
//     tombstone (message_deleted, as DeleteMessage); otherwise the messages
//     stay, their author now the tombstone identity;
//   - the account becomes that identity (store.EraseUser): username
//     DeletedUsername (the old name is free again), display name
//     DeletedDisplayName, no e-mail, no password; mentions, notifications
//     and mail batches of the user are deleted.
//
// A failure part way leaves the steps done so far; the owner can sign in
// again (the password still works until the last step) and repeat.
// Errors: ENOTFOUND (see mayManageAccount; a deleted account),
// EFORBIDDEN (wrong password), ERATELIMITED (LimitSignInAccount, shared
// with sign-in: the password is guessed against the same budget).
func (s *Service) DeleteAccount(ctx context.Context, actor User, targetID, password string) error {
	if err := s.mayManageAccount(actor, targetID); err != nil {
		return err
	}
	if err := s.checkPassword(ctx, actor.ID, password, errWrongAccountPassword); err != nil {
		return err
	}
	target, err := s.store.UserByID(ctx, targetID)
	if err != nil {
		return err
	}
	ended, err := s.store.DeleteSessions(ctx, targetID, "")
	if err != nil {
		return err
	}
	s.revokeSessions(ctx, ended)
	if err := s.takeBackReactions(ctx, targetID); err != nil {
		return err
	}
	rooms, err := s.store.MyRooms(ctx, targetID, "")
	if err != nil {
		return err
	}
	for _, r := range rooms {
		if err := s.removeMember(ctx, r.ID, targetID); err != nil {
			return err
		}
	}
	authored, err := s.authoredRooms(ctx, targetID, s.cfg.EraseOnDelete)
	if err != nil {
		return err
	}
	ended, err = s.store.EraseUser(ctx, targetID, DeletedUsername(targetID), s.now())
	if err != nil {
		return err
	}
	s.revokeSessions(ctx, ended)
	// Cached pages embed the author's old name: drop the rooms it wrote in.
	for roomID := range authored {
		if err := s.cache.InvalidateMessages(ctx, roomID); err != nil {
			s.setDirty(roomID, true)
		}
	}
	s.userChanged(ctx, User{ID: target.ID, Username: DeletedUsername(targetID), DisplayName: DeletedDisplayName})
	s.log.InfoContext(ctx, "account deleted", "user", targetID, "by", actor.ID, "erase_messages", s.cfg.EraseOnDelete)
	return nil
}

// checkPassword verifies userID's password against the account's sign-in
// budget; wrong is the error for a wrong password.
func (s *Service) checkPassword(ctx context.Context, userID, password string, wrong error) error {
	u, err := s.store.UserByID(ctx, userID) // fresh: a cached user may hold an old hash
	if err != nil {
		return err
	}
	if CheckText("password", password, TextSecret) != nil || len(password) > PasswordMaxLen {
		return wrong
	}
	// A stolen session guessing the password spends the account's budget.
	if err := s.Limit(ctx, LimitSignInAccount, u.Username); err != nil {
		return err
	}
	ok, err := s.hasher.Verify(u.PasswordHash, password)
	if err != nil {
		return fmt.Errorf("verify password: %w", err)
	}
	if !ok {
		return wrong
	}
	return nil
}

// takeBackReactions removes each of the user's reactions as React does,
// publishing each change.
func (s *Service) takeBackReactions(ctx context.Context, userID string) error {
	var after ReactionKey
	for {
		rs, err := s.store.ReactionsByUser(ctx, userID, after, ExportPageSize)
		if err != nil || len(rs) == 0 {
			return err
		}
		for _, r := range rs {
			after = ReactionKey{MessageID: r.MessageID, Emoji: r.Emoji}
			m, changed, err := s.store.React(ctx, r.RoomID, r.Seq, userID, r.Emoji, false)
			if err != nil {
				return err
			}
			if changed {
				s.reacted(ctx, m, r.Emoji, userID, false)
			}
		}
	}
}

// authoredRooms walks the user's messages and returns the rooms it wrote
// in; with erase, each live message becomes a tombstone on the way.
func (s *Service) authoredRooms(ctx context.Context, userID string, erase bool) (map[string]bool, error) {
	rooms := map[string]bool{}
	var after MessageKey
	for {
		msgs, err := s.store.MessagesByAuthor(ctx, userID, after, ExportPageSize)
		if err != nil || len(msgs) == 0 {
			return rooms, err
		}
		for _, m := range msgs {
			after, rooms[m.RoomID] = MessageKey{RoomID: m.RoomID, Seq: m.Seq}, true
			if erase && !m.Deleted {
				if err := s.tombstone(ctx, m.RoomID, m.Seq); err != nil && ErrorCode(err) != ENOTFOUND {
					return nil, err
				}
			}
		}
	}
}

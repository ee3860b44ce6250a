package chat

import (
	"context"
	"maps"
	"slices"
)

// EditMessage replaces the body of one of the actor's messages, then
// writes the message through the cache and publishes it. Mentions follow
// the edit (see MessageEdit). Errors: EINVALID, ENOTFOUND (room, message,
// or a deleted one), EFORBIDDEN (another author's message), ERATELIMITED
// (LimitPosts: an edit costs what a post costs).
func (s *Service) EditMessage(ctx context.Context, actor User, roomID string, seq int64, body string) (Message, error) {
	if err := s.Limit(ctx, LimitPosts, actor.ID); err != nil {
		return Message{}, err
	}
	body, err := ValidateBody(body)
	if err != nil {
		return Message{}, err
	}
	a, old, err := s.changeable(ctx, actor, roomID, seq)
	if err != nil {
		return Message{}, err
	}
	if old.Author.ID != actor.ID {
		return Message{}, Errorf(EFORBIDDEN, "only the author may edit a message")
	}
	if err := writable(a.meta); err != nil {
		return Message{}, err
	}
	nm := NewMessage{RoomID: roomID, Author: actor.Ref(), Body: body}
	if err := s.addMentions(ctx, &nm, a.meta); err != nil {
		return Message{}, err
	}
	m, err := s.store.EditMessage(ctx, MessageEdit{RoomID: roomID, Seq: seq, Body: body, Mentions: nm.Mentions, MentionUserIDs: nm.MentionUserIDs})
	if err != nil {
		return Message{}, err
	}
	s.changed(ctx, Event{Type: EventMessageUpdated, RoomID: roomID, Seq: m.Seq, Message: &m, Change: m.Change}, m)
	return ForReader(m, actor.ID), nil
}

// DeleteMessage leaves a tombstone of a message: the author may delete it,
// and so may the room's moderators and owner. Errors: ENOTFOUND (room,
// message, or one deleted already), EFORBIDDEN.
//
// A server admin may delete any message of any room, and any deletion
// but the author's own goes to the audit log (right after it: the store
// method is the author's too). Deleting stays possible in an archived room.
func (s *Service) DeleteMessage(ctx context.Context, actor User, roomID string, seq int64) error {
	var a access
	var old Message
	var err error
	if requireAdmin(actor) == nil {
		old, err = s.existing(ctx, roomID, seq)
	} else {
		a, old, err = s.changeable(ctx, actor, roomID, seq)
	}
	if err != nil {
		return err
	}
	if old.Author.ID != actor.ID && !a.role.manages() && !actor.Admin {
		return Errorf(EFORBIDDEN, "only the author, a moderator or the owner may delete a message")
	}
	if err := s.tombstone(ctx, roomID, seq); err != nil {
		return err
	}
	if old.Author.ID != actor.ID {
		e := newAudit(actor.Ref(), AuditMessageDelete, AuditTargetMessage, old.ID,
			map[string]any{"room_id": roomID, "seq": seq, "author": old.Author.Username}, s.now())
		if err := s.store.AppendAudit(ctx, e); err != nil {
			s.log.ErrorContext(ctx, "audit of a message deletion failed", "room", roomID, "seq", seq, "err", err)
		}
	}
	return nil
}

// tombstone deletes a message (store.DeleteMessage) and publishes it.
func (s *Service) tombstone(ctx context.Context, roomID string, seq int64) error {
	m, err := s.store.DeleteMessage(ctx, roomID, seq)
	if err != nil {
		return err
	}
	s.changed(ctx, Event{Type: EventMessageDeleted, RoomID: roomID, Seq: seq, Change: m.Change, Message: &m}, m)
	return nil
}

// React adds or removes the actor's emoji on a message of a room it may
// read; doing what is already done changes nothing and publishes nothing.
// Errors: EINVALID (emoji, or too many different ones), ENOTFOUND,
// ERATELIMITED (reactions share the posts budget, LimitPosts).
func (s *Service) React(ctx context.Context, actor User, roomID string, seq int64, emoji string, add bool) error {
	if err := s.Limit(ctx, LimitPosts, actor.ID); err != nil {
		return err
	}
	if err := ValidateEmoji(emoji); err != nil {
		return err
	}
	a, _, err := s.changeable(ctx, actor, roomID, seq)
	if err == nil {
		err = writable(a.meta)
	}
	if err != nil {
		return err
	}
	m, changed, err := s.store.React(ctx, roomID, seq, actor.ID, emoji, add)
	if err != nil || !changed {
		return err
	}
	s.reacted(ctx, m, emoji, actor.ID, add)
	return nil
}

// reacted publishes a reaction the store changed on m.
func (s *Service) reacted(ctx context.Context, m Message, emoji, userID string, add bool) {
	count := 0
	if i := slices.IndexFunc(m.Reactions, func(r Reaction) bool { return r.Emoji == emoji }); i >= 0 {
		count = m.Reactions[i].Count
	}
	s.changed(ctx, Event{Type: EventReaction, RoomID: m.RoomID, Seq: m.Seq, Emoji: emoji, Count: count,
		UserID: userID, Added: add, Change: m.Change}, m)
}

// ChangesAfter returns up to limit messages of a room with Change > after,
// in change order, for a reader already authorized (see CanRead).
func (s *Service) ChangesAfter(ctx context.Context, roomID string, after int64, limit int) ([]Message, error) {
	if err := checkRoomID(roomID); err != nil {
		return nil, err
	}
	return s.store.ChangesAfter(ctx, roomID, after, limit)
}

// Head returns where a room's seq and change numbers stand, from the
// store. Error: ENOTFOUND.
func (s *Service) Head(ctx context.Context, roomID string) (Head, error) {
	if err := checkRoomID(roomID); err != nil {
		return Head{}, err
	}
	return s.store.Head(ctx, roomID)
}

// Heads returns where each existing room of roomIDs stands, from the store,
// reading HeadsMax rooms a statement. Rooms that do not exist (any more)
// are left out.
func (s *Service) Heads(ctx context.Context, roomIDs []string) (map[string]Head, error) {
	out := make(map[string]Head, len(roomIDs))
	for ids := range slices.Chunk(roomIDs, HeadsMax) {
		heads, err := s.store.Heads(ctx, ids)
		if err != nil {
			return nil, err
		}
		maps.Copy(out, heads)
	}
	return out, nil
}

// changeable returns the actor's access to the room and the message, which
// must exist and not be deleted. Errors: ENOTFOUND.
func (s *Service) changeable(ctx context.Context, actor User, roomID string, seq int64) (access, Message, error) {
	a, err := s.authorize(ctx, actor, roomID)
	if err != nil {
		return access{}, Message{}, err
	}
	m, err := s.existing(ctx, roomID, seq)
	return a, m, err
}

// existing returns a message that exists and is not deleted. Error: ENOTFOUND.
func (s *Service) existing(ctx context.Context, roomID string, seq int64) (Message, error) {
	if err := checkRoomID(roomID); err != nil {
		return Message{}, err
	}
	if seq <= 0 {
		return Message{}, Errorf(ENOTFOUND, "message not found")
	}
	m, err := s.store.MessageBySeq(ctx, roomID, seq)
	if err == nil && m.Deleted {
		err = Errorf(ENOTFOUND, "message not found")
	}
	return m, err
}

// writable refuses changes to an archived room.
func writable(meta roomMeta) error {
	if meta.room.ArchivedAt != nil {
		return Errorf(EARCHIVED, "this room is archived: it can be read, not changed")
	}
	return nil
}

// changed writes a changed message through the cache and publishes e.
func (s *Service) changed(ctx context.Context, e Event, m Message) {
	s.writeThrough(ctx, m)
	s.publish(ctx, RoomChannel(m.RoomID), e)
}

// writeThrough writes a committed message, new or changed, through the
// cache; if that fails the room bypasses the cache until invalidated, so
// no reader is served what the write missed.
func (s *Service) writeThrough(ctx context.Context, m Message) {
	if err := s.cache.AddMessage(ctx, m); err != nil {
		s.metrics.Cache(CacheMessages, CacheError)
		s.log.WarnContext(ctx, "cache write-through failed; room bypasses the cache until invalidated", "room", m.RoomID, "err", err)
		s.setDirty(m.RoomID, true)
		if err := s.cache.InvalidateMessages(ctx, m.RoomID); err == nil {
			s.setDirty(m.RoomID, false)
		}
	}
}

// threadChanged writes through and publishes a thread's parent after a
// reply counted on it. If the parent cannot be read, subscribers still
// recover its change from the store at the next gap, but the cache would
// keep its old reply count: the room bypasses the cache until invalidated.
func (s *Service) threadChanged(ctx context.Context, roomID string, parent int64) {
	p, err := s.store.MessageBySeq(ctx, roomID, parent)
	if err != nil {
		s.log.WarnContext(ctx, "thread parent unreadable after a reply; room bypasses the cache until invalidated", "room", roomID, "err", err)
		s.setDirty(roomID, true)
		if err := s.cache.InvalidateMessages(ctx, roomID); err == nil {
			s.setDirty(roomID, false)
		}
		return
	}
	s.changed(ctx, Event{Type: EventMessageUpdated, RoomID: roomID, Seq: p.Seq, Message: &p, Change: p.Change}, p)
}

// Replies returns a page of a thread: the replies to the message parent
// with seq > after, oldest first. Errors: EINVALID, ENOTFOUND (room or
// message).
func (s *Service) Replies(ctx context.Context, actor User, roomID string, parent int64, q MessageQuery) (Page, error) {
	q, err := CheckPageQuery(q)
	if err != nil {
		return Page{}, err
	}
	if q.Before > 0 {
		return Page{}, Invalid("before", "threads page forward only, with after")
	}
	if err := s.CanRead(ctx, actor, roomID); err != nil {
		return Page{}, err
	}
	if parent <= 0 {
		return Page{}, Errorf(ENOTFOUND, "message not found")
	}
	if _, err := s.store.MessageBySeq(ctx, roomID, parent); err != nil {
		return Page{}, err
	}
	msgs, err := s.store.Replies(ctx, roomID, parent, q.After, q.Limit+1)
	if err != nil {
		return Page{}, err
	}
	p := Page{Messages: msgs}
	if len(msgs) > q.Limit {
		p = Page{Messages: msgs[:q.Limit], HasMore: true}
	}
	for i, m := range p.Messages {
		p.Messages[i] = ForReader(m, actor.ID)
	}
	return p, nil
}

package chat

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
)

// Post is what a client posts: a message, or with ReplyTo a reply in a
// thread (AlsoToRoom: shown in the room too), with up to
// AttachmentsPerMessage of the author's uploads (ids).
type Post struct {
	RoomID, Body, ClientID string
	ReplyTo                *int64
	AlsoToRoom             bool
	Attachments            []string
}

// Posted is a message as Post stored it (or found it: Created is false for
// a retry) with its JSON encoding, the bytes its event carried, so that a
// transport answers the poster without encoding the message again.
type Posted struct {
	Message Message
	JSON    json.RawMessage
	Created bool
}

// Post validates and stores a message, then writes it through the cache
// and publishes it. A retry with the same ClientID returns the first
// message with created=false and publishes nothing. Posting to a public
// room joins it. Only members are mentioned in a private or direct room
// (nobody else may read it, so no e-mail leaks it), and in a direct room
// every other member is notified as if mentioned.
//
// A reply goes in the thread of the message ReplyTo (one level: not a
// reply itself, not deleted); the parent's reply count and last reply
// time change with it, and subscribers get the parent as message_updated.
// Attachments make the uploads readable by the room's readers; with them
// the body may be empty.
//
// Errors: EINVALID (body, client_id, attachments; reply_to for a parent
// that cannot take replies; also_to_room without a reply), ENOTFOUND
// (room), ERATELIMITED (LimitPosts, per user over every transport).
func (s *Service) Post(ctx context.Context, actor User, p Post) (Message, bool, error) {
	out, err := s.PostJSON(ctx, actor, p)
	return out.Message, out.Created, err
}

// PostJSON is Post with the message's encoding (see Posted).
func (s *Service) PostJSON(ctx context.Context, actor User, p Post) (Posted, error) {
	in := NewMessage{RoomID: p.RoomID, Body: p.Body, ClientID: p.ClientID, AlsoToRoom: p.AlsoToRoom}
	switch {
	case p.ReplyTo == nil && p.AlsoToRoom, p.ReplyTo != nil && *p.ReplyTo == 0 && p.AlsoToRoom:
		return Posted{}, Invalid("also_to_room", "only for a reply (with reply_to)")
	case p.ReplyTo != nil && *p.ReplyTo <= 0:
		return Posted{}, Invalid("reply_to", "must be the seq of a message of the room")
	case p.ReplyTo != nil:
		in.ReplyTo = *p.ReplyTo
	}
	out, err := s.post(ctx, actor, in, p.Attachments)
	if err != nil {
		return Posted{}, err
	}
	if out.JSON == nil { // a retry: the first post's message, as stored
		out.JSON = messageJSON(&out.Message)
	}
	return out, nil
}

// post stores in (RoomID, Body, ClientID, ReplyTo and AlsoToRoom are the
// caller's; the rest is filled here) with the uploads attachments.
func (s *Service) post(ctx context.Context, actor User, in NewMessage, attachments []string) (Posted, error) {
	roomID, body, clientID := in.RoomID, in.Body, in.ClientID
	if err := s.Limit(ctx, LimitPosts, actor.ID); err != nil {
		return Posted{}, err
	}
	body, err := validatePostBody(body, len(attachments) > 0)
	if err != nil {
		return Posted{}, err
	}
	if err := ValidateClientID(clientID); err != nil {
		return Posted{}, err
	}
	a, err := s.authorize(ctx, actor, roomID)
	if err == nil {
		err = writable(a.meta)
	}
	if err != nil {
		return Posted{}, err
	}
	files, err := s.resolveAttachments(ctx, actor, attachments)
	if err != nil {
		return Posted{}, err
	}
	// A non-member (of a public room: authorize refused the others) joins
	// in the append's own transaction, not one of its own per room.
	nm := NewMessage{ID: NewID(), RoomID: roomID, Author: actor.Ref(), Body: body, ClientID: clientID, Join: a.role == "",
		ReplyTo: in.ReplyTo, AlsoToRoom: in.AlsoToRoom, Attachments: files}
	if err := s.addMentions(ctx, &nm, a.meta); err != nil {
		return Posted{}, err
	}
	if a.meta.vis == Direct {
		for _, id := range a.meta.memberIDs {
			if id != actor.ID && !slices.Contains(nm.MentionUserIDs, id) {
				nm.NotifyUserIDs = append(nm.NotifyUserIDs, id)
			}
		}
	}
	m, created, err := s.store.AppendMessage(ctx, nm)
	if err != nil || !created {
		return Posted{Message: m}, err
	}
	switch {
	case nm.Join:
		s.members.setRole(roomID, actor.ID, MemberRole, s.now())
	case !m.ThreadOnly(): // a reply in a thread says nothing of the room's newer messages
		s.reads.note(roomID, actor.ID, m.Seq)
	}
	s.metrics.MessagePosted()
	s.writeThrough(ctx, m)
	raw := messageJSON(&m)
	s.publishMessage(ctx, RoomChannel(roomID), Event{Type: EventMessage, RoomID: roomID, Seq: m.Seq, Change: m.Change, At: m.CreatedAt.UnixNano()}, raw)
	if m.ReplyTo != 0 {
		s.threadChanged(ctx, roomID, m.ReplyTo)
	}
	if nm.Join { // after the message: its delivery does not wait for this
		s.announceJoin(ctx, a.meta, m)
	}
	return Posted{Message: m, JSON: raw, Created: true}, nil
}

// validatePostBody is ValidateBody, except that a message with files may
// have no text.
func validatePostBody(body string, withFiles bool) (string, error) {
	if withFiles && strings.TrimSpace(body) == "" {
		return "", CheckText("body", body, TextBody)
	}
	return ValidateBody(body)
}

// addMentions resolves the body's @names to the users who may read the
// room: anyone for a public room, the members otherwise.
func (s *Service) addMentions(ctx context.Context, nm *NewMessage, meta roomMeta) error {
	names := ParseMentions(nm.Body)
	if len(names) == 0 {
		return nil
	}
	users, err := s.store.UsersByUsernames(ctx, names)
	if err != nil {
		return err
	}
	byName := make(map[string]string, len(users))
	ids := make([]string, 0, len(users))
	for _, u := range users {
		if u.ID != nm.Author.ID {
			byName[u.Username] = u.ID
			ids = append(ids, u.ID)
		}
	}
	if meta.vis != Public && len(ids) > 0 {
		readers, err := s.store.MemberIDs(ctx, nm.RoomID, ids)
		if err != nil {
			return err
		}
		for name, id := range byName {
			if !slices.Contains(readers, id) {
				delete(byName, name)
			}
		}
	}
	for _, n := range names { // keep the body's order
		if id, ok := byName[n]; ok {
			nm.Mentions = append(nm.Mentions, n)
			nm.MentionUserIDs = append(nm.MentionUserIDs, id)
		}
	}
	return nil
}

// CheckPageQuery fills the default limit and rejects bad cursors.
func CheckPageQuery(q MessageQuery) (MessageQuery, error) {
	switch {
	case q.Limit == 0:
		q.Limit = PageDefaultLimit
	case q.Limit < 0 || q.Limit > PageMaxLimit:
		return q, Invalid("limit", "must be 1 to %d", PageMaxLimit)
	}
	if q.Before < 0 || q.After < 0 {
		return q, Invalid("before", "cursors must be positive seq numbers")
	}
	if q.Before > 0 && q.After > 0 {
		return q, Invalid("after", "use either before or after, not both")
	}
	return q, nil
}

// Messages returns a page of a room's messages to an actor who may read
// it. Errors: EINVALID, ENOTFOUND.
func (s *Service) Messages(ctx context.Context, actor User, roomID string, q MessageQuery) (Page, error) {
	if err := s.CanRead(ctx, actor, roomID); err != nil {
		return Page{}, err
	}
	p, err := s.RoomMessages(ctx, roomID, q)
	for i, m := range p.Messages {
		p.Messages[i] = ForReader(m, actor.ID) // a copy per reader: the cached page is shared
	}
	return p, err
}

// RoomMessages returns a page of a room's messages, oldest first, for a
// reader already authorized (a WebSocket subscription, see CanRead). The
// latest page (no cursor, limit within the cache size) comes from the
// cache when it can prove it exact. Errors: EINVALID, ENOTFOUND.
func (s *Service) RoomMessages(ctx context.Context, roomID string, q MessageQuery) (Page, error) {
	q, err := CheckPageQuery(q)
	if err == nil {
		err = checkRoomID(roomID)
	}
	if err != nil {
		return Page{}, err
	}
	if q.Before == 0 && q.After == 0 && q.Limit <= s.cfg.CachedMessages {
		msgs, err := s.latest(ctx, roomID, q.Limit)
		if err != nil {
			return Page{}, err
		}
		return Page{Messages: msgs, HasMore: len(msgs) > 0 && msgs[0].Seq > 1}, nil
	}
	fetch := q
	if q.After > 0 {
		fetch.Limit++ // one more tells whether newer messages exist
	}
	msgs, err := s.store.Messages(ctx, roomID, fetch)
	if err != nil {
		return Page{}, err
	}
	if err := s.roomExistsIfEmpty(ctx, roomID, msgs); err != nil {
		return Page{}, err
	}
	if q.After > 0 {
		if len(msgs) > q.Limit {
			return Page{Messages: msgs[:q.Limit], HasMore: true}, nil
		}
		return Page{Messages: nonNil(msgs)}, nil
	}
	return Page{Messages: nonNil(msgs), HasMore: len(msgs) > 0 && msgs[0].Seq > 1}, nil
}

// roomExistsIfEmpty tells an unknown room (ENOTFOUND) from an empty page:
// the room is looked up only when the store returned nothing, which saves a
// query on every page that has messages.
func (s *Service) roomExistsIfEmpty(ctx context.Context, roomID string, msgs []Message) error {
	if len(msgs) > 0 {
		return nil
	}
	_, err := s.store.RoomByID(ctx, roomID)
	return err
}

// latest returns the newest limit messages through the cache; on a miss it
// loads the cache's full size so the next readers hit.
func (s *Service) latest(ctx context.Context, roomID string, limit int) ([]Message, error) {
	if !s.isDirty(roomID) {
		msgs, ok, err := s.cache.LatestMessages(ctx, roomID, limit)
		switch {
		case err != nil:
			s.metrics.Cache(CacheMessages, CacheFallback)
		case ok:
			s.metrics.Cache(CacheMessages, CacheHit)
			return nonNil(msgs), nil
		default:
			s.metrics.Cache(CacheMessages, CacheMiss)
		}
	} else {
		s.metrics.Cache(CacheMessages, CacheFallback)
	}
	return s.loadLatest(ctx, roomID, limit)
}

// loadLatest reads the newest limit messages from the store and fills the
// cache with its full size, so the next readers hit.
func (s *Service) loadLatest(ctx context.Context, roomID string, limit int) ([]Message, error) {
	msgs, err := s.store.Messages(ctx, roomID, MessageQuery{Limit: max(limit, s.cfg.CachedMessages)})
	if err != nil {
		return nil, err
	}
	if err := s.roomExistsIfEmpty(ctx, roomID, msgs); err != nil {
		return nil, err // and an unknown room never gets a cache entry
	}
	if !s.isDirty(roomID) {
		if err := s.cache.FillMessages(ctx, roomID, msgs); err != nil {
			s.metrics.Cache(CacheMessages, CacheError)
		}
	}
	if len(msgs) > limit {
		msgs = msgs[len(msgs)-limit:]
	}
	return nonNil(msgs), nil
}

// CatchUp returns the messages of a room with seq > after, for a client
// that reconnects (authorized with CanRead), plus the room's last seq. The
// answer reaches at least seq atLeast (a head the caller read from the
// store; 0 for none): a cache that does not (a write-through that failed or
// has not landed yet) is not used. When more than CatchUpMax were missed it
// returns only the newest CatchUpMax and truncated=true; the client pages
// the rest over HTTP. Error: ENOTFOUND.
func (s *Service) CatchUp(ctx context.Context, roomID string, after, atLeast int64) (msgs []Message, lastSeq int64, truncated bool, err error) {
	if after < 0 {
		return nil, 0, false, Invalid("after_seq", "must be a positive seq number")
	}
	if err := checkRoomID(roomID); err != nil {
		return nil, 0, false, err
	}
	if !s.isDirty(roomID) {
		cached, ok, err := s.cache.MessagesAfter(ctx, roomID, after)
		switch {
		case err != nil:
			s.metrics.Cache(CacheMessages, CacheFallback)
		case ok && len(cached) <= s.cfg.CatchUpMax && lastSeqOf(cached, after) >= atLeast:
			s.metrics.Cache(CacheMessages, CacheHit)
			return nonNil(cached), lastSeqOf(cached, after), false, nil
		default:
			s.metrics.Cache(CacheMessages, CacheMiss)
		}
	}
	latest, err := s.latest(ctx, roomID, 1)
	if err != nil {
		return nil, 0, false, err
	}
	last := max(lastSeqOf(latest, 0), atLeast)
	if last <= after {
		return []Message{}, last, false, nil
	}
	if last-after > int64(s.cfg.CatchUpMax) {
		msgs, err = s.store.Messages(ctx, roomID, MessageQuery{Limit: s.cfg.CatchUpMax})
		return nonNil(msgs), last, true, err
	}
	msgs, err = s.store.Messages(ctx, roomID, AfterQuery(after, int(last-after)))
	return nonNil(msgs), lastSeqOf(msgs, last), false, err
}

// LastSeq returns the seq of a room's newest message (0 if none).
func (s *Service) LastSeq(ctx context.Context, roomID string) (int64, error) {
	msgs, err := s.latest(ctx, roomID, 1)
	return lastSeqOf(msgs, 0), err
}

// Mentions lists the user's mentions newest first. Error: EINVALID.
func (s *Service) Mentions(ctx context.Context, userID string, before int64, limit int) ([]Mention, bool, error) {
	q, err := CheckPageQuery(MessageQuery{Before: before, Limit: limit})
	if err != nil {
		return nil, false, err
	}
	ms, err := s.store.Mentions(ctx, userID, q.Before, q.Limit+1)
	if err != nil {
		return nil, false, err
	}
	if len(ms) > q.Limit {
		return ms[:q.Limit], true, nil
	}
	return slices.Clip(nonNil(ms)), false, nil
}

func lastSeqOf(msgs []Message, dflt int64) int64 {
	if len(msgs) == 0 {
		return dflt
	}
	return msgs[len(msgs)-1].Seq
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

package chat

import (
	"context"
	"encoding/json"
)

// MessagesJSON is Messages for a reader that only sends the page on (the
// HTTP API): a latest page the cache holds comes back in the cache's own
// bytes, personalized for actor only where actor reacted. Other pages, and
// a cache miss, are read as by Messages and encoded. Errors: EINVALID,
// ENOTFOUND.
func (s *Service) MessagesJSON(ctx context.Context, actor User, roomID string, q MessageQuery) (PageJSON, error) {
	if err := s.CanRead(ctx, actor, roomID); err != nil {
		return PageJSON{}, err
	}
	q, err := CheckPageQuery(q)
	if err == nil {
		err = checkRoomID(roomID)
	}
	if err != nil {
		return PageJSON{}, err
	}
	var p Page
	if q.Before == 0 && q.After == 0 && q.Limit <= s.cfg.CachedMessages {
		if raw, ok := s.latestJSON(ctx, roomID, q.Limit); ok {
			if p, err := personalPage(raw, actor.ID); err == nil {
				return p, nil
			} // bytes that do not decode: the store answers
		}
		msgs, err := s.loadLatest(ctx, roomID, q.Limit)
		if err != nil {
			return PageJSON{}, err
		}
		p = Page{Messages: msgs, HasMore: len(msgs) > 0 && msgs[0].Seq > 1}
	} else if p, err = s.RoomMessages(ctx, roomID, q); err != nil {
		return PageJSON{}, err
	}
	for i, m := range p.Messages {
		p.Messages[i] = ForReader(m, actor.ID)
	}
	out := PageJSON{Messages: make([]json.RawMessage, len(p.Messages)), HasMore: p.HasMore}
	for i := range p.Messages {
		out.Messages[i] = messageJSON(&p.Messages[i])
	}
	return out, nil
}

// latestJSON is the cache half of latest, in the cache's encoding.
func (s *Service) latestJSON(ctx context.Context, roomID string, limit int) ([]json.RawMessage, bool) {
	if s.isDirty(roomID) {
		s.metrics.Cache(CacheMessages, CacheFallback)
		return nil, false
	}
	raw, ok, err := s.cache.LatestMessagesJSON(ctx, roomID, limit)
	switch {
	case err != nil:
		s.metrics.Cache(CacheMessages, CacheFallback)
	case ok:
		s.metrics.Cache(CacheMessages, CacheHit)
	default:
		s.metrics.Cache(CacheMessages, CacheMiss)
	}
	return raw, err == nil && ok
}

// personalPage turns the cache's latest messages into actor's page.
func personalPage(raw []json.RawMessage, actorID string) (PageJSON, error) {
	p := PageJSON{Messages: make([]json.RawMessage, len(raw))}
	quoted, err := json.Marshal(actorID)
	if err != nil {
		return PageJSON{}, err
	}
	for i, m := range raw {
		if p.Messages[i], err = personalJSON(m, actorID, quoted); err != nil {
			return PageJSON{}, err
		}
	}
	if len(raw) > 0 {
		first, err := firstSeq(raw[0])
		if err != nil {
			return PageJSON{}, err
		}
		p.HasMore = first > 1
	}
	return p, nil
}

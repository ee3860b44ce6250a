package chat

import (
	"context"
	"slices"
)

// Search finds the messages the actor may read (public rooms, and the
// private and direct rooms it is a member of) that match in.Q, newest
// first, with a snippet each. from:@name (or in.From) names an author and
// in:#room a room by name; an unknown author or a room the actor cannot
// read by that name finds nothing. in.RoomID narrows to one room, answered
// like every other room lookup: ENOTFOUND unless the actor may read it.
// Errors: EBADREQUEST (naming q, limit, cursor, before or after), ENOTFOUND
// (room_id), ERATELIMITED (LimitSearches).
func (s *Service) Search(ctx context.Context, actor User, in SearchInput) (SearchPage, error) {
	if err := s.Limit(ctx, LimitSearches, actor.ID); err != nil {
		return SearchPage{}, err
	}
	q, err := ParseSearch(in.Q)
	if err != nil {
		return SearchPage{}, err
	}
	ms := MessageSearch{Query: q, ReaderID: actor.ID, Limit: in.Limit, Before: NewTime(in.Before), After: NewTime(in.After)}
	switch {
	case in.Limit == 0:
		ms.Limit = SearchDefaultLimit
	case in.Limit < 0 || in.Limit > SearchMaxLimit:
		return SearchPage{}, BadParam("limit", "must be 1 to %d", SearchMaxLimit)
	}
	if ms.Cursor, err = ParseSearchCursor(in.Cursor); err != nil {
		return SearchPage{}, err
	}
	if in.RoomID != "" {
		if _, err := s.readable(ctx, actor, in.RoomID); err != nil {
			return SearchPage{}, err
		}
		ms.RoomIDs = []string{in.RoomID}
	}
	found, err := s.resolveSearch(ctx, actor, in.From, &ms)
	if err != nil || !found {
		return SearchPage{Results: []SearchResult{}}, err
	}
	ms.Limit++ // one more tells whether there is a next page
	hits, err := s.store.SearchMessages(ctx, ms)
	if err != nil {
		return SearchPage{}, err
	}
	page := SearchPage{Results: make([]SearchResult, 0, len(hits))}
	if len(hits) == ms.Limit {
		hits = hits[:len(hits)-1]
		last := hits[len(hits)-1].Message
		page.NextCursor = SearchCursor{At: last.CreatedAt, ID: last.ID}.String()
	}
	for _, h := range hits {
		page.Results = append(page.Results, SearchResult{Room: h.Room, Message: h.Message, Snippet: Snippet(h.Message.Body, q)})
	}
	return page, nil
}

// resolveSearch turns from: and in: into an author id and room ids; found
// is false when they name nobody or no room the actor can read.
func (s *Service) resolveSearch(ctx context.Context, actor User, from string, ms *MessageSearch) (found bool, err error) {
	q := ms.Query
	if from != "" && q.From != "" && NormalizeUsername(from) != NormalizeUsername(q.From) {
		return false, nil
	}
	if from == "" {
		from = q.From
	}
	if from != "" {
		u, err := s.store.UserByUsername(ctx, NormalizeUsername(from))
		if ErrorCode(err) == ENOTFOUND {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		ms.AuthorID = u.ID
	}
	if q.In == "" {
		return true, nil
	}
	ids, err := s.roomsNamed(ctx, actor, q.In)
	if err != nil {
		return false, err
	}
	if len(ms.RoomIDs) > 0 { // room_id and in: together: both must hold
		ids = slices.DeleteFunc(ids, func(id string) bool { return id != ms.RoomIDs[0] })
	}
	ms.RoomIDs = ids
	return len(ids) > 0, nil
}

// roomsNamed lists the rooms called name (case and accents aside) that the
// actor may read: public ones, and private ones it is a member of (private
// names may repeat, so there may be several).
func (s *Service) roomsNamed(ctx context.Context, actor User, name string) ([]string, error) {
	public, err := s.store.Rooms(ctx)
	if err != nil {
		return nil, err
	}
	mine, err := s.store.MyRooms(ctx, actor.ID, "")
	if err != nil {
		return nil, err
	}
	want := Fold(name)
	var ids []string
	for _, r := range public {
		if Fold(r.Name) == want {
			ids = append(ids, r.ID)
		}
	}
	for _, r := range mine {
		if r.Visibility == Private && Fold(r.Name) == want {
			ids = append(ids, r.ID)
		}
	}
	return ids, nil
}

package chat

import (
	"context"
	"encoding/json"
	"fmt"
)

// The change stream. Every change in a room (a post, an edit, a deletion,
// a reaction added or removed) takes the room's next change number, gapless
// like seq, in the same transaction as the change itself. A message's
// Change is the number of its latest change, so the messages with
// Change > N, in change order, bring a client that saw change N up to date:
// each missed message once, in its current form (a compacted log: an edit
// overwritten by a later edit is not replayed on its own).

// Limits on reactions.
const (
	// ReactionsPerMessage bounds the distinct emoji on one message.
	ReactionsPerMessage = 50
	// EmojiMaxLen bounds an emoji's UTF-8 bytes (the longest ZWJ
	// sequences in use take about 35).
	EmojiMaxLen = 64
)

// Reaction is one emoji on a message: who used it, in order of reaction.
// Me is set in answers to one reader (HTTP pages), never in frames, which
// every reader shares.
type Reaction struct {
	Emoji   string   `json:"emoji"`
	Count   int      `json:"count"`
	Me      bool     `json:"me,omitempty"`
	UserIDs []string `json:"user_ids"`
}

// MessageEdit replaces a message's body. Mentions and MentionUserIDs are
// the edited body's: a user newly mentioned gets a mention and a pending
// notification (unless one for this message exists already: a mention is
// mailed once), a user no longer mentioned loses the mention and any
// notification not yet in a mail batch.
type MessageEdit struct {
	RoomID         string
	Seq            int64
	Body           string
	Mentions       []string
	MentionUserIDs []string
}

// ChangeStore is the store side of the change stream. Each method that
// changes a message takes the room's next change number and returns the
// message as it now is. ENOTFOUND for an unknown or deleted message.
type ChangeStore interface {
	// MessageBySeq returns one message, tombstones included.
	MessageBySeq(ctx context.Context, roomID string, seq int64) (Message, error)
	// EditMessage replaces the body and sets EditedAt.
	EditMessage(ctx context.Context, e MessageEdit) (Message, error)
	// DeleteMessage leaves a tombstone: the body, mentions, reactions,
	// attachments (their rows too: the uploads are detached) and
	// notifications not yet in a mail batch are gone.
	DeleteMessage(ctx context.Context, roomID string, seq int64) (Message, error)
	// React adds (add) or removes the user's emoji. changed is false, and
	// no change number is taken, when there was nothing to do.
	// EINVALID when a new emoji would pass ReactionsPerMessage.
	React(ctx context.Context, roomID string, seq int64, userID, emoji string, add bool) (m Message, changed bool, err error)
	// ChangesAfter returns up to limit messages with Change > after, in
	// change order.
	ChangesAfter(ctx context.Context, roomID string, after int64, limit int) ([]Message, error)
	// Head returns the room's newest seq and latest change number, read
	// together. ENOTFOUND for an unknown room.
	Head(ctx context.Context, roomID string) (Head, error)
	// Heads returns the Head of each of roomIDs that exists (an unknown id
	// is left out), in one statement; at most HeadsMax ids a call.
	Heads(ctx context.Context, roomIDs []string) (map[string]Head, error)
	// Replies returns up to limit replies to the message parent with
	// seq > after, oldest first.
	Replies(ctx context.Context, roomID string, parent, after int64, limit int) ([]Message, error)
}

// HeadsMax bounds the ids of one ChangeStore.Heads call, under SQLite's
// limit on a statement's parameters.
const HeadsMax = 500

// Head is where a room's two sequences stand.
type Head struct {
	LastSeq, LastChange int64
}

// Tombstone is what a deleted message keeps: its place and author (its
// attachments are detached).
func Tombstone(m Message) Message {
	m.Body, m.Deleted, m.Mentions, m.Reactions, m.EditedAt, m.Attachments = "", true, []string{}, []Reaction{}, nil, []Upload{}
	return m
}

// ForReader sets Me on each reaction for userID, on a copy.
func ForReader(m Message, userID string) Message {
	if len(m.Reactions) == 0 {
		return m
	}
	rs := make([]Reaction, len(m.Reactions))
	for i, r := range m.Reactions {
		r.Me = false
		for _, id := range r.UserIDs {
			if id == userID {
				r.Me = true
				break
			}
		}
		rs[i] = r
	}
	m.Reactions = rs
	return m
}

// ApplyReaction returns rs with userID's emoji added or removed (a new
// emoji goes last; an emoji nobody uses any more goes away) and whether
// anything changed. Both stores keep a message's reactions this way.
// EINVALID when a new emoji would pass ReactionsPerMessage.
func ApplyReaction(rs []Reaction, emoji, userID string, add bool) ([]Reaction, bool, error) {
	out := make([]Reaction, 0, len(rs)+1)
	found, changed := false, false
	for _, r := range rs {
		if r.Emoji != emoji {
			out = append(out, r)
			continue
		}
		found = true
		ids := make([]string, 0, len(r.UserIDs)+1)
		has := false
		for _, id := range r.UserIDs {
			if id == userID {
				has = true
				if !add {
					changed = true
					continue
				}
			}
			ids = append(ids, id)
		}
		if add && !has {
			ids, changed = append(ids, userID), true
		}
		if len(ids) > 0 {
			out = append(out, Reaction{Emoji: emoji, Count: len(ids), UserIDs: ids})
		}
	}
	if add && !found {
		if len(rs) >= ReactionsPerMessage {
			return rs, false, Invalid("emoji", "a message takes at most %d different emoji", ReactionsPerMessage)
		}
		out, changed = append(out, Reaction{Emoji: emoji, Count: 1, UserIDs: []string{userID}}), true
	}
	if !changed {
		return rs, false, nil
	}
	return out, true, nil
}

// storedReaction is a reaction as the stores keep it (the count is the
// number of users).
type storedReaction struct {
	Emoji   string   `json:"emoji"`
	UserIDs []string `json:"user_ids"`
}

// EncodeReactions is the stores' one encoding of a message's reactions.
func EncodeReactions(rs []Reaction) string {
	if len(rs) == 0 {
		return "[]"
	}
	out := make([]storedReaction, len(rs))
	for i, r := range rs {
		out[i] = storedReaction{r.Emoji, r.UserIDs}
	}
	b, _ := json.Marshal(out) // strings only: always encodes
	return string(b)
}

// DecodeReactions is the inverse of EncodeReactions.
func DecodeReactions(s string) ([]Reaction, error) {
	var in []storedReaction
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		return nil, fmt.Errorf("decode reactions: %w", err)
	}
	out := make([]Reaction, len(in))
	for i, r := range in {
		out[i] = Reaction{Emoji: r.Emoji, Count: len(r.UserIDs), UserIDs: r.UserIDs}
	}
	return out, nil
}

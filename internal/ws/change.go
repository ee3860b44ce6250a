package ws

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/open-chat/openchat/internal/chat"
)

// Frame types of the change stream (docs/protocol.md).
const (
	typeMessageUpdated = "message_updated"
	typeMessageDeleted = "message_deleted"
	typeReaction       = "reaction"
)

// item is one change of a room on its way to subscribers: its change
// number, the change it follows (change-1 for a live event; the previous
// item's, or the read's start, in a compacted read from the store, where
// numbers overwritten by a message's later change are absent), the
// message's seq and kind, and the frame, encoded once for everyone.
type item struct {
	change, prev, seq int64
	kind              string
	frame             []byte
	at                int64 // a new message's created_at (unix ns), for the delivery latency; else 0
}

// follows reports whether it continues a stream that has reached last.
func (it item) follows(last int64) bool { return it.prev <= last && it.change > last }

type (
	changedFrame struct {
		Type    string        `json:"type"`
		Change  int64         `json:"change"`
		Message *chat.Message `json:"message"`
	}
	// deletedFrame carries the tombstone as well: it keeps the message's
	// place, author and thread (reply_count).
	deletedFrame struct {
		Type    string          `json:"type"`
		RoomID  string          `json:"room_id"`
		Seq     int64           `json:"seq"`
		Change  int64           `json:"change"`
		Message json.RawMessage `json:"message,omitempty"`
	}
	reactionFrame struct {
		Type   string `json:"type"`
		RoomID string `json:"room_id"`
		Seq    int64  `json:"seq"`
		Emoji  string `json:"emoji"`
		Count  int    `json:"count"`
		UserID string `json:"user_id"`
		Added  bool   `json:"added"`
		Change int64  `json:"change"`
	}
)

// stateItem is a message as read from the store, in its current form: a
// tombstone is message_deleted, a message changed since its post (edited,
// reacted to, replied to) message_updated (whole), any other a message
// (which may still be one whose change came and went, a reaction taken
// back: a message frame for a seq the client holds replaces it).
func stateItem(m *chat.Message, prev int64) item {
	it := item{change: m.Change, prev: prev, seq: m.Seq}
	switch {
	case m.Deleted:
		it.kind = typeMessageDeleted
		it.frame = encode(deletedFrame{Type: it.kind, RoomID: m.RoomID, Seq: m.Seq, Change: m.Change, Message: encode(m)})
	case m.EditedAt != nil || len(m.Reactions) > 0 || m.ReplyCount > 0:
		it.kind = typeMessageUpdated
		it.frame = encode(changedFrame{Type: it.kind, Change: m.Change, Message: m})
	default:
		it.kind = typeMessage
		it.frame = encode(changedFrame{Type: it.kind, Change: m.Change, Message: m})
		it.at = m.CreatedAt.UnixNano()
	}
	return it
}

// stateItems turns a compacted read after `after` into a chain of items.
func stateItems(msgs []chat.Message, after int64) []item {
	out := make([]item, len(msgs))
	prev := after
	for i := range msgs {
		out[i] = stateItem(&msgs[i], prev)
		prev = msgs[i].Change
	}
	return out
}

// eventItem turns a published room event into a live item; ok is false
// for an event without a change number or message.
func eventItem(roomID string, ev *roomEvent) (item, bool) {
	if ev.Change <= 0 {
		return item{}, false
	}
	it := item{change: ev.Change, prev: ev.Change - 1, seq: ev.Seq, kind: ev.Type}
	switch ev.Type {
	case chat.EventMessage, chat.EventMessageUpdated:
		if len(ev.Message) == 0 || ev.Seq <= 0 {
			return item{}, false
		}
		it.frame = changedFrameRaw(ev.Type, ev.Change, ev.Message)
		if ev.Type == chat.EventMessage {
			it.at = ev.At
		}
	case chat.EventMessageDeleted:
		it.frame = encode(deletedFrame{Type: ev.Type, RoomID: roomID, Seq: ev.Seq, Change: ev.Change, Message: ev.Message})
	case chat.EventReaction:
		it.frame = encode(reactionFrame{Type: ev.Type, RoomID: roomID, Seq: ev.Seq, Emoji: ev.Emoji, Count: ev.Count,
			UserID: ev.UserID, Added: ev.Added, Change: ev.Change})
	default:
		return item{}, false
	}
	return it, true
}

// changedFrameRaw wraps an already encoded chat.Message (as published) in a
// message or message_updated frame without decoding and re-encoding it.
func changedFrameRaw(typ string, change int64, raw []byte) []byte {
	b := make([]byte, 0, len(raw)+64)
	b = append(b, `{"type":"`...)
	b = append(b, typ...)
	b = append(b, `","change":`...)
	b = strconv.AppendInt(b, change, 10)
	b = append(b, `,"message":`...)
	b = append(b, raw...)
	return append(b, '}')
}

// replayed is what a subscribe replays and where the subscription starts.
type replayed struct {
	frames              [][]byte
	lastSeq, lastChange int64
	seqs                int64 // message frames up to this seq are not sent again
	truncated           bool
}

// replay reads what a subscribe asks for: with after_change, every change
// since (compacted, from the store, which is not read when after_change is
// at or past head; past CatchUpMax nothing, truncated: the client reloads
// the latest page); with after_seq, the messages since, by
// seq, up to at least the seq the room's stream stood at when the
// subscription joined it (nothing is read when after_seq is at or past
// it); with neither, nothing. head is that point (the
// hub's, not a store read: every change after it reaches the subscription
// live, every one up to it is committed), so a subscribe costs no head
// read. An edit committed before it may arrive by seq in its earlier
// form, which after_change does not allow. What the room's recent changes
// cover is not read either (recent.go).
func (s *Server) replay(ctx context.Context, f clientFrame, r *room, head chat.Head) (replayed, error) {
	rp := replayed{lastSeq: head.LastSeq, lastChange: head.LastChange}
	switch {
	case f.AfterChange != nil && *f.AfterChange >= head.LastChange:
		// The client has seen every change up to the head, and every later
		// one reaches it live: no read (a reconnect to a room that did not
		// change meanwhile, most of them in a storm).
		rp.lastChange = *f.AfterChange
		return rp, nil
	case f.AfterSeq != nil && *f.AfterSeq >= head.LastSeq:
		// Likewise by seq: nothing committed up to the head is new to the
		// client, and every later message reaches it live; no cache or store
		// read (the cache's round trip is what timed out in storms).
		rp.lastSeq, rp.seqs = *f.AfterSeq, *f.AfterSeq
		return rp, nil
	case f.AfterChange == nil && f.AfterSeq == nil:
		return rp, nil
	}
	if rp, ok := s.replayRecent(r, f, head); ok {
		s.metrics.Cache(chat.CacheRecent, chat.CacheHit)
		return rp, nil
	}
	s.metrics.Cache(chat.CacheRecent, chat.CacheMiss)
	if f.AfterChange != nil {
		after := *f.AfterChange
		msgs, err := s.svc.ChangesAfter(ctx, f.RoomID, after, s.svc.Config().CatchUpMax+1)
		if err != nil {
			return rp, err
		}
		if len(msgs) > s.svc.Config().CatchUpMax {
			rp.truncated = true // live from the head
			return rp, nil
		}
		rp.lastChange = after
		for _, it := range stateItems(msgs, after) {
			rp.frames, rp.lastChange = append(rp.frames, it.frame), it.change
		}
		return rp, nil
	}
	msgs, last, truncated, err := s.svc.CatchUp(ctx, f.RoomID, *f.AfterSeq, head.LastSeq)
	if err != nil {
		return rp, err
	}
	rp.lastSeq, rp.truncated, rp.seqs = max(last, head.LastSeq), truncated, *f.AfterSeq
	for i := range msgs {
		m := &msgs[i]
		rp.frames = append(rp.frames, encode(changedFrame{Type: typeMessage, Change: m.Change, Message: m}))
		rp.seqs = max(rp.seqs, m.Seq)
	}
	rp.lastSeq = max(rp.lastSeq, rp.seqs)
	return rp, nil
}

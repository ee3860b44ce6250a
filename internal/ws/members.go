package ws

import (
	"github.com/open-chat/openchat/internal/chat"
)

// Membership reaches a person's open connections on every instance: the
// Service passes each MembersChannel event (after dropping what it changes
// from its membership cache) to memberEvent, which tells the member's local
// connections. A removed member's subscription ends at once, before its
// "removed" frame is queued, so no later message of the room reaches it.

const (
	typeRemoved   = "removed"
	typeRead      = "read"
	typeRoomAdded = "room_added"
)

type (
	roomFrame struct {
		Type   string `json:"type"`
		RoomID string `json:"room_id"`
	}
	readFrame struct {
		Type   string `json:"type"`
		RoomID string `json:"room_id"`
		Seq    int64  `json:"seq"`
	}
	roomAddedFrame struct {
		Type string       `json:"type"`
		Room *chat.MyRoom `json:"room"`
	}
)

func (s *Server) memberEvent(e chat.Event) {
	var frame []byte
	switch e.Type {
	case chat.EventRead:
		frame = encode(readFrame{Type: typeRead, RoomID: e.RoomID, Seq: e.Seq})
	case chat.EventMemberAdded:
		if e.MyRoom == nil {
			return
		}
		frame = encode(roomAddedFrame{Type: typeRoomAdded, Room: e.MyRoom})
	case chat.EventMemberRemoved:
		frame = encode(roomFrame{Type: typeRemoved, RoomID: e.RoomID})
	default:
		return
	}
	for _, c := range s.userConns(e.UserID) {
		if e.Type == chat.EventMemberRemoved {
			s.kick(c, e.RoomID)
		}
		c.push(frame, pushBounded)
	}
}

// userConns returns the user's connections on this instance.
func (s *Server) userConns(userID string) []*conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	set := s.byUser[userID]
	out := make([]*conn, 0, len(set))
	for c := range set {
		out = append(out, c)
	}
	return out
}

// kick ends c's subscription to a room from outside its reading goroutine:
// the subscription is marked gone (no more deliveries) and leaves the room;
// the reading goroutine drops the stale map entry when it next looks.
func (s *Server) kick(c *conn, roomID string) {
	s.roomsMu.Lock()
	r := s.rooms[roomID]
	s.roomsMu.Unlock()
	if r == nil {
		return
	}
	var mine []*sub
	r.mu.Lock()
	for _, sb := range r.subs {
		if sb.c == c {
			mine = append(mine, sb)
		}
	}
	r.mu.Unlock()
	for _, sb := range mine {
		c.dropSub(sb)
	}
}

package ws

import (
	"slices"

	"github.com/open-chat/openchat/internal/chat"
)

// Membership reaches a person's open connections on every instance: the
// Service passes each MembersChannel event (after dropping what it changes
// from its membership cache) to memberEvent, which tells the member's local
// connections. A removed member's subscription ends at once, before its
// "removed" frame is queued, so no later message of the room reaches it.
// A change to the room itself (name, topic, archive state) reaches the
// room's subscribers instead: every member with the room open or listed.

const (
	typeRemoved     = "removed"
	typeRead        = "read"
	typeRoomAdded   = "room_added"
	typeRoomUpdated = "room_updated"
	typeRoomChanged = "room_changed"
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
	roomChangedFrame struct {
		Type string     `json:"type"`
		Room *chat.Room `json:"room"`
	}
)

func (s *Server) memberEvent(e chat.Event) {
	var frame []byte
	switch e.Type {
	case chat.EventRead:
		frame = encode(readFrame{Type: typeRead, RoomID: e.RoomID, Seq: e.Seq})
	case chat.EventMemberAdded, chat.EventMemberRole:
		if e.MyRoom == nil {
			return
		}
		typ := typeRoomAdded
		if e.Type == chat.EventMemberRole {
			typ = typeRoomUpdated
		}
		frame = encode(roomAddedFrame{Type: typ, Room: e.MyRoom})
	case chat.EventMemberRemoved:
		frame = encode(roomFrame{Type: typeRemoved, RoomID: e.RoomID})
	case chat.EventRoomChanged:
		if e.Room != nil { // nil: deleted, and each member gets "removed"
			s.roomChanged(e.Room)
		}
		return
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

// roomChanged passes a room's new name, topic or archive state to its
// subscribers on this instance (a subscribe still replaying included:
// the client lists the room already).
func (s *Server) roomChanged(room *chat.Room) {
	s.roomsMu.Lock()
	r := s.rooms[room.ID]
	s.roomsMu.Unlock()
	if r == nil {
		return
	}
	frame := encode(roomChangedFrame{Type: typeRoomChanged, Room: room})
	r.mu.Lock()
	subs := slices.Clone(r.subs)
	r.mu.Unlock()
	for _, sb := range subs {
		sb.c.push(frame, pushBounded)
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

// kick ends c's subscription to a room from outside its reader:
// the subscription is marked gone (no more deliveries) and leaves the room;
// the reader drops the stale map entry when it next looks.
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

package ws

import (
	"context"
	"maps"
	"slices"

	"github.com/open-chat/openchat/internal/chat"
)

// checkPositions compares each room's last fanned-out change with the
// store's head, for all rooms at once (Service.Heads). A change is lost to
// the hub when its publish never arrives: the publisher's retries gave up,
// or the broker dropped it without a disconnect (which would have
// resynced). Nothing else would bring it before the room's next change, and
// a resume at the hub's head would read nothing. A room is filled from the
// store when it is still behind a head read at the previous check, so a
// change still on its way (published after the head was read) is not read
// twice.
func (s *Server) checkPositions(ctx context.Context) {
	s.roomsMu.Lock()
	rooms := slices.Collect(maps.Values(s.rooms))
	s.roomsMu.Unlock()
	ids := make([]string, 0, len(rooms))
	live := rooms[:0]
	for _, r := range rooms {
		r.mu.Lock()
		if r.inited {
			ids = append(ids, r.id)
			live = append(live, r)
		}
		r.mu.Unlock()
	}
	if len(ids) == 0 {
		return
	}
	heads, err := s.svc.Heads(ctx, ids)
	if err != nil {
		s.log.Warn("hub position check failed", "rooms", len(ids), "err", err)
		return
	}
	for _, r := range live {
		r.mu.Lock()
		if r.behind > r.last {
			s.log.Warn("hub behind the store; filling", "room", r.id, "last_change", r.last, "head", r.behind)
			r.resync = true // read past last even with nothing parked
			s.startFillLocked(r, false, chat.HubFillBehind)
		}
		r.behind = 0
		if h, ok := heads[r.id]; ok && h.LastChange > r.last {
			r.behind = h.LastChange
		}
		r.mu.Unlock()
	}
}

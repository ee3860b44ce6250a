package httpapi

import (
	"log/slog"
	"net/http"
	"strconv"

	"github.com/open-chat/openchat/internal/chat"
)

// handleRooms pages the public directory (?q=, ?cursor=, ?limit=).
func handleRooms(log *slog.Logger, svc *chat.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit, err := queryInt(r, "limit", chat.RoomsMaxLimit)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		q := r.URL.Query()
		page, err := svc.Directory(r.Context(), chat.RoomQuery{Q: q.Get("q"), Cursor: q.Get("cursor"), Limit: int(limit)})
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		encode(w, http.StatusOK, page)
	})
}

func handleCreateRoom(log *slog.Logger, svc *chat.Service, maxBody int64) http.Handler {
	type request struct {
		Name       string          `json:"name"`
		Topic      string          `json:"topic"`
		Visibility chat.Visibility `json:"visibility"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := decode[request](w, r, maxBody)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		room, err := svc.CreateRoom(r.Context(), user(r), in.Name, in.Topic, in.Visibility)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		encode(w, http.StatusCreated, map[string]any{"room": room})
	})
}

func handleRoom(log *slog.Logger, svc *chat.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		room, err := svc.Room(r.Context(), user(r), r.PathValue("room_id"))
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		encode(w, http.StatusOK, map[string]any{"room": room})
	})
}

func handleUpdateRoom(log *slog.Logger, svc *chat.Service, maxBody int64) http.Handler {
	type request struct {
		Name  *string `json:"name"`
		Topic *string `json:"topic"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := decode[request](w, r, maxBody)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		room, err := svc.UpdateRoom(r.Context(), user(r), r.PathValue("room_id"), chat.RoomPatch{Name: in.Name, Topic: in.Topic})
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		encode(w, http.StatusOK, map[string]any{"room": room})
	})
}

// handleMessages pages a room's messages, oldest first: the latest page by
// default, or those before/after a seq.
func handleMessages(log *slog.Logger, svc *chat.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var q chat.MessageQuery
		var limit int64
		var err error
		for _, p := range []struct {
			name string
			max  int64
			dst  *int64
		}{{"before", 0, &q.Before}, {"after", 0, &q.After}, {"limit", chat.PageMaxLimit, &limit}} {
			if *p.dst, err = queryInt(r, p.name, p.max); err != nil {
				writeError(w, r, log, err)
				return
			}
		}
		q.Limit = int(limit)
		page, err := svc.MessagesJSON(r.Context(), user(r), r.PathValue("room_id"), q)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		writeJSON(w, http.StatusOK, page.AppendJSON(nil))
	})
}

// handlePostMessage answers 201 for a new message and 200 with the first
// message for a retry with the same client_id.
func handlePostMessage(log *slog.Logger, svc *chat.Service, maxBody int64) http.Handler {
	type request struct {
		Body        string   `json:"body"`
		ClientID    string   `json:"client_id"`
		ReplyTo     *int64   `json:"reply_to"`
		AlsoToRoom  bool     `json:"also_to_room"`
		Attachments []string `json:"attachments"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := decode[request](w, r, maxBody)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		p, err := svc.PostJSON(r.Context(), user(r), chat.Post{RoomID: r.PathValue("room_id"), Body: in.Body, ClientID: in.ClientID,
			ReplyTo: in.ReplyTo, AlsoToRoom: in.AlsoToRoom, Attachments: in.Attachments})
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		writeJSON(w, createdStatus(p.Created), append(append([]byte(`{"message":`), p.JSON...), '}'))
	})
}

// queryInt reads an optional query parameter that must be a whole number
// from 1 to maxV (unbounded when maxV is 0); absent means 0.
func queryInt(r *http.Request, name string, maxV int64) (int64, error) {
	q := r.URL.Query()
	if !q.Has(name) {
		return 0, nil
	}
	n, err := strconv.ParseInt(q.Get(name), 10, 64)
	switch {
	case err != nil || n < 1:
		return 0, chat.Invalid(name, "must be a positive whole number")
	case maxV > 0 && n > maxV:
		return 0, chat.Invalid(name, "must be 1 to %d", maxV)
	}
	return n, nil
}

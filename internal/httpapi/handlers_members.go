package httpapi

import (
	"log/slog"
	"net/http"

	"github.com/open-chat/openchat/internal/chat"
)

// Membership routes. Every rule (who may invite, remove, see) is the
// Service's; these only translate.

func handleMyRooms(log *slog.Logger, svc *chat.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rooms, err := svc.MyRooms(r.Context(), user(r))
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		encode(w, http.StatusOK, map[string]any{"rooms": rooms})
	})
}

func handleMembers(log *slog.Logger, svc *chat.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit, err := queryInt(r, "limit", chat.MembersMaxLimit)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		page, err := svc.Members(r.Context(), user(r), r.PathValue("room_id"),
			chat.MemberQuery{Cursor: r.URL.Query().Get("cursor"), Limit: int(limit)})
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		encode(w, http.StatusOK, page)
	})
}

func handleAddMember(log *slog.Logger, svc *chat.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := svc.AddMember(r.Context(), user(r), r.PathValue("room_id"), r.PathValue("user_id")); err != nil {
			writeError(w, r, log, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

func handleRemoveMember(log *slog.Logger, svc *chat.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := svc.RemoveMember(r.Context(), user(r), r.PathValue("room_id"), r.PathValue("user_id")); err != nil {
			writeError(w, r, log, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

func handleSetRole(log *slog.Logger, svc *chat.Service, maxBody int64) http.Handler {
	type request struct {
		Role chat.Role `json:"role"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := decode[request](w, r, maxBody)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		m, err := svc.SetRole(r.Context(), user(r), r.PathValue("room_id"), r.PathValue("user_id"), in.Role)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		encode(w, http.StatusOK, map[string]any{"member": m})
	})
}

// handleOpenDirect answers 201 with a new direct room, 200 with the one
// that already exists for the same people.
func handleOpenDirect(log *slog.Logger, svc *chat.Service, maxBody int64) http.Handler {
	type request struct {
		UserIDs []string `json:"user_ids"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := decode[request](w, r, maxBody)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		room, created, err := svc.OpenDirect(r.Context(), user(r), in.UserIDs)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		encode(w, createdStatus(created), map[string]any{"room": room})
	})
}

func handleMarkRead(log *slog.Logger, svc *chat.Service, maxBody int64) http.Handler {
	type request struct {
		Seq *int64 `json:"seq"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := decode[request](w, r, maxBody)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		if in.Seq == nil {
			writeError(w, r, log, chat.Invalid("seq", "is required"))
			return
		}
		if err := svc.MarkRead(r.Context(), user(r), r.PathValue("room_id"), *in.Seq); err != nil {
			writeError(w, r, log, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

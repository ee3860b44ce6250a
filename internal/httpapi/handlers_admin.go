package httpapi

import (
	"log/slog"
	"net/http"

	"github.com/open-chat/openchat/internal/chat"
)

// The admin area (/api/v1/admin/...). chat.Service refuses non-admins
// with 403 forbidden; these handlers only translate.

func handleAdminUsers(log *slog.Logger, svc *chat.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit, err := queryInt(r, "limit", chat.AdminUsersMaxLimit)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		q := r.URL.Query()
		page, err := svc.AdminUsers(r.Context(), user(r), chat.UserQuery{Q: q.Get("q"), After: q.Get("cursor"), Limit: int(limit)})
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		encode(w, http.StatusOK, page)
	})
}

// handleDeactivate deactivates (PUT) or reactivates (DELETE) a user.
func handleDeactivate(log *slog.Logger, svc *chat.Service, deactivate bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := svc.SetDeactivated(r.Context(), user(r), r.PathValue("user_id"), deactivate)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		encode(w, http.StatusOK, u)
	})
}

func handleAdminPasswordReset(log *slog.Logger, svc *chat.Service, secret []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := svc.SendPasswordReset(r.Context(), user(r), secret, r.PathValue("user_id")); err != nil {
			writeError(w, r, log, err)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	})
}

func handleAdminRooms(log *slog.Logger, svc *chat.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit, err := queryInt(r, "limit", chat.RoomsMaxLimit)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		q := r.URL.Query()
		page, err := svc.AdminRooms(r.Context(), user(r), chat.RoomQuery{Q: q.Get("q"), Cursor: q.Get("cursor"), Limit: int(limit)})
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		encode(w, http.StatusOK, page)
	})
}

// handleArchive archives (PUT) or unarchives (DELETE) a room.
func handleArchive(log *slog.Logger, svc *chat.Service, archive bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		room, err := svc.SetArchived(r.Context(), user(r), r.PathValue("room_id"), archive)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		encode(w, http.StatusOK, room)
	})
}

func handleDeleteRoom(log *slog.Logger, svc *chat.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := svc.DeleteRoom(r.Context(), user(r), r.PathValue("room_id")); err != nil {
			writeError(w, r, log, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

func handleAudit(log *slog.Logger, svc *chat.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit, err := queryInt(r, "limit", chat.AuditMaxLimit)
		var before int64
		if err == nil {
			before, err = queryInt(r, "before", 0)
		}
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		q := r.URL.Query()
		page, err := svc.AuditLog(r.Context(), user(r), chat.AuditQuery{Before: before, Limit: int(limit),
			ActorID: q.Get("actor"), Action: q.Get("action")})
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		encode(w, http.StatusOK, page)
	})
}

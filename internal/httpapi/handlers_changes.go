package httpapi

import (
	"log/slog"
	"net/http"
	"strconv"

	"github.com/open-chat/openchat/internal/chat"
)

// pathSeq reads the {seq} of a message route: a positive whole number.
func pathSeq(r *http.Request) (int64, error) {
	n, err := strconv.ParseInt(r.PathValue("seq"), 10, 64)
	if err != nil || n < 1 {
		return 0, chat.Invalid("seq", "must be a positive whole number")
	}
	return n, nil
}

func handleEditMessage(log *slog.Logger, svc *chat.Service, maxBody int64) http.Handler {
	type request struct {
		Body string `json:"body"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seq, err := pathSeq(r)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		in, err := decode[request](w, r, maxBody)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		m, err := svc.EditMessage(r.Context(), user(r), r.PathValue("room_id"), seq, in.Body)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		encode(w, http.StatusOK, map[string]any{"message": m})
	})
}

func handleDeleteMessage(log *slog.Logger, svc *chat.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seq, err := pathSeq(r)
		if err == nil {
			err = svc.DeleteMessage(r.Context(), user(r), r.PathValue("room_id"), seq)
		}
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// handleReact adds (PUT) or removes (DELETE) the caller's reaction; both
// are idempotent.
func handleReact(log *slog.Logger, svc *chat.Service, add bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seq, err := pathSeq(r)
		if err == nil {
			err = svc.React(r.Context(), user(r), r.PathValue("room_id"), seq, r.PathValue("emoji"), add)
		}
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

func handleReplies(log *slog.Logger, svc *chat.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seq, err := pathSeq(r)
		var q chat.MessageQuery
		var limit int64
		if err == nil {
			q.After, err = queryInt(r, "after", 0)
		}
		if err == nil {
			q.Before, err = queryInt(r, "before", 0) // refused by the service: threads page forward
		}
		if err == nil {
			limit, err = queryInt(r, "limit", chat.PageMaxLimit)
		}
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		q.Limit = int(limit)
		page, err := svc.Replies(r.Context(), user(r), r.PathValue("room_id"), seq, q)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		encode(w, http.StatusOK, page)
	})
}

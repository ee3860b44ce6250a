package httpapi

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// handleSearch answers GET /api/v1/search. The Service decides what the
// caller may read; this only reads the parameters. Snippets carry
// <mark>…</mark> around matches and are otherwise raw text: clients render
// them as text, never as HTML.
func handleSearch(log *slog.Logger, svc *chat.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		in := chat.SearchInput{Q: q.Get("q"), RoomID: q.Get("room_id"), From: q.Get("from"), Cursor: q.Get("cursor")}
		limit, err := queryInt(r, "limit", 0)
		if err != nil {
			err = chat.BadParam("limit", "must be 1 to %d", chat.SearchMaxLimit)
		}
		in.Limit = int(limit)
		if err == nil {
			in.Before, err = queryTime(r, "before")
		}
		if err == nil {
			in.After, err = queryTime(r, "after")
		}
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		page, err := svc.Search(r.Context(), user(r), in)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		encode(w, http.StatusOK, page)
	})
}

// queryTime reads a time parameter: RFC 3339 (2026-03-01T12:00:00Z) or a
// date (2026-03-01, midnight UTC). Absent is the zero time.
func queryTime(r *http.Request, name string) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, time.DateOnly} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, chat.BadParam(name, "must be a time (2026-03-01T12:00:00Z) or a date (2026-03-01)")
}

package httpapi

import (
	"log/slog"
	"net/http"

	"github.com/open-chat/openchat/internal/chat"
)

// Message reports and the moderation queue.

func handleReportMessage(log *slog.Logger, svc *chat.Service, maxBody int64) http.Handler {
	type request struct {
		Reason string `json:"reason"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := decode[request](w, r, maxBody)
		var seq int64
		if err == nil {
			seq, err = pathSeq(r)
		}
		var rep chat.Report
		if err == nil {
			rep, err = svc.ReportMessage(r.Context(), user(r), r.PathValue("room_id"), seq, in.Reason)
		}
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		encode(w, http.StatusCreated, rep)
	})
}

func handleReports(log *slog.Logger, svc *chat.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit, err := queryInt(r, "limit", chat.ReportsMaxLimit)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		q := r.URL.Query()
		page, err := svc.Reports(r.Context(), user(r), chat.ReportQuery{Status: chat.ReportStatus(q.Get("status")),
			Before: q.Get("cursor"), Limit: int(limit)})
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		encode(w, http.StatusOK, page)
	})
}

func handleResolveReport(log *slog.Logger, svc *chat.Service, maxBody int64) http.Handler {
	type request struct {
		Status chat.ReportStatus `json:"status"`
		Action string            `json:"action"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := decode[request](w, r, maxBody)
		var rep chat.Report
		if err == nil {
			rep, err = svc.ResolveReport(r.Context(), user(r), r.PathValue("report_id"), in.Status, in.Action)
		}
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		encode(w, http.StatusOK, rep)
	})
}

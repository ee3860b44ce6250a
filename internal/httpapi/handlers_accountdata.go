package httpapi

import (
	"archive/zip"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// Data rights (issue 16): the caller's data as a zip, and deleting the
// caller's account. The service decides who may (chat.Service
// mayManageAccount); admin routes for someone else's account call the
// same methods with another target.

// self is the caller's own account; byPath, the account of {user_id}
// (admin routes). The service decides whether the caller may.
func self(r *http.Request) string   { return user(r).ID }
func byPath(r *http.Request) string { return r.PathValue("user_id") }

// handleExport streams the data of target's account as a zip of JSON files. Errors
// found before the first byte (rate limit, store down) are JSON errors; a
// failure once the zip is under way aborts the connection, so a client
// never takes a truncated archive for a whole one.
func handleExport(log *slog.Logger, svc *chat.Service, target func(*http.Request) string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, id := user(r), target(r)
		file := id // the file is named by the username when it is one's own
		if id == u.ID {
			file = u.Username
		}
		var zw *zip.Writer
		create := func(name string) (io.Writer, error) {
			if zw == nil {
				h := w.Header()
				h.Set("Content-Type", "application/zip")
				h.Set("Content-Disposition", `attachment; filename="openchat-`+file+`-`+time.Now().UTC().Format("2006-01-02")+`.zip"`)
				h.Set("Cache-Control", "no-store")
				w.WriteHeader(http.StatusOK)
				zw = zip.NewWriter(w)
			}
			return zw.Create(name)
		}
		err := svc.ExportAccount(r.Context(), u, id, create)
		if err == nil && zw != nil {
			err = zw.Close()
		}
		switch {
		case err != nil && zw == nil:
			writeError(w, r, log, err)
		case err != nil:
			log.ErrorContext(r.Context(), "export failed part way", "user", id, "err", err)
			panic(http.ErrAbortHandler)
		}
	})
}

// handleDeleteAccount deletes target's account, given the caller's
// password, and clears the session cookie if it was the caller's.
func handleDeleteAccount(log *slog.Logger, svc *chat.Service, maxBody int64, secure bool, target func(*http.Request) string) http.Handler {
	type request struct {
		Password string `json:"password"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, id := user(r), target(r)
		in, err := decode[request](w, r, maxBody)
		if err == nil {
			err = svc.DeleteAccount(r.Context(), u, id, in.Password)
		}
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		if id == u.ID {
			http.SetCookie(w, sessionCookie("", -1, secure))
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

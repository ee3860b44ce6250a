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

// handleExport streams the caller's data as a zip of JSON files. Errors
// found before the first byte (rate limit, store down) are JSON errors; a
// failure once the zip is under way aborts the connection, so a client
// never takes a truncated archive for a whole one.
func handleExport(log *slog.Logger, svc *chat.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := user(r)
		var zw *zip.Writer
		create := func(name string) (io.Writer, error) {
			if zw == nil {
				h := w.Header()
				h.Set("Content-Type", "application/zip")
				h.Set("Content-Disposition", `attachment; filename="openchat-`+u.Username+`-`+time.Now().UTC().Format("2006-01-02")+`.zip"`)
				h.Set("Cache-Control", "no-store")
				w.WriteHeader(http.StatusOK)
				zw = zip.NewWriter(w)
			}
			return zw.Create(name)
		}
		err := svc.ExportAccount(r.Context(), u, u.ID, create)
		if err == nil && zw != nil {
			err = zw.Close()
		}
		switch {
		case err != nil && zw == nil:
			writeError(w, r, log, err)
		case err != nil:
			log.ErrorContext(r.Context(), "export failed part way", "user", u.ID, "err", err)
			panic(http.ErrAbortHandler)
		}
	})
}

// handleDeleteAccount deletes the caller's account, given its password,
// and clears the session cookie.
func handleDeleteAccount(log *slog.Logger, svc *chat.Service, maxBody int64, secure bool) http.Handler {
	type request struct {
		Password string `json:"password"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := decode[request](w, r, maxBody)
		if err == nil {
			u := user(r)
			err = svc.DeleteAccount(r.Context(), u, u.ID, in.Password)
		}
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		http.SetCookie(w, sessionCookie("", -1, secure))
		w.WriteHeader(http.StatusNoContent)
	})
}

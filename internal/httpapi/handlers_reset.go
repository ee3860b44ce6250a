package httpapi

import (
	"log/slog"
	"net/http"

	"github.com/open-chat/openchat/internal/chat"
)

// Password reset by e-mail (chat/reset.go). The request is answered 202
// whether or not an account has the address.

func handleRequestReset(log *slog.Logger, svc *chat.Service, maxBody int64, secret []byte) http.Handler {
	type request struct {
		Email string `json:"email"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := decode[request](w, r, maxBody)
		if err == nil {
			err = svc.RequestPasswordReset(r.Context(), secret, clientOf(r).Address, in.Email)
		}
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	})
}

func handleConfirmReset(log *slog.Logger, svc *chat.Service, maxBody int64) http.Handler {
	type request struct {
		Token       string `json:"token"`
		NewPassword string `json:"new_password"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := decode[request](w, r, maxBody)
		if err == nil {
			err = svc.ResetPassword(r.Context(), in.Token, in.NewPassword)
		}
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

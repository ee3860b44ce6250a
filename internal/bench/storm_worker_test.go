package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/gobwas/ws"
)

// attemptError names each kind of failed reconnect; a refused subscribe
// is named by the server's code, whatever its message says.
func TestAttemptError(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("dial: %w", ws.StatusError(503)), "reconnect_http_503"},
		{fmt.Errorf("waiting for subscribed: %w", &serverError{code: "unavailable", message: "refused, try again"}), "reconnect_subscribe_refused_unavailable"},
		{&net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, "reconnect_refused"},
		{fmt.Errorf("subscribe: %w", context.DeadlineExceeded), "reconnect_timeout"},
		{errors.New("connection refused by nobody"), "reconnect_other"},
	} {
		if got := attemptError(tc.err); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.err, got, tc.want)
		}
	}
}

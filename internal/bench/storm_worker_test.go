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

// TestUserOf: a room's connections belong to distinct users (as many as
// there are, up to its connections) and every user has connections, for
// the shapes the scenarios run; i%users gave each room a single user in
// all but the first.
func TestUserOf(t *testing.T) {
	tests := []struct{ conns, rooms, users, perRoom int }{
		{10000, 1, 50, 50},       // 1 × 10,000
		{10000, 1000, 50, 10},    // 1,000 × 10
		{19600, 100, 50, 50},     // one-instance storm
		{100000, 1000, 200, 100}, // six-instance storm
		{1000, 100, 50, 10},      // ingest
		{12, 3, 4, 4},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.conns, "/", tt.rooms, "/", tt.users), func(t *testing.T) {
			inRoom := make([]map[int]bool, tt.rooms)
			used := map[int]bool{}
			for i := range tt.conns {
				u := userOf(i, tt.rooms, tt.users)
				if u < 0 || u >= tt.users {
					t.Fatalf("connection %d: user %d of %d", i, u, tt.users)
				}
				if inRoom[i%tt.rooms] == nil {
					inRoom[i%tt.rooms] = map[int]bool{}
				}
				inRoom[i%tt.rooms][u], used[u] = true, true
			}
			for r, us := range inRoom {
				if len(us) != tt.perRoom {
					t.Fatalf("room %d has %d distinct users, want %d", r, len(us), tt.perRoom)
				}
			}
			if len(used) != tt.users {
				t.Errorf("%d users have connections, want %d", len(used), tt.users)
			}
		})
	}
}

package chat_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/memory"
	"github.com/open-chat/openchat/internal/password"
	"github.com/open-chat/openchat/internal/sqlite"
)

// lookups counts the store reads that authorization makes.
type lookups struct {
	chat.Store
	rooms, members atomic.Int64
}

func (l *lookups) RoomByID(ctx context.Context, id string) (chat.Room, error) {
	l.rooms.Add(1)
	return l.Store.RoomByID(ctx, id)
}

func (l *lookups) Member(ctx context.Context, roomID, userID string) (chat.Member, error) {
	l.members.Add(1)
	return l.Store.Member(ctx, roomID, userID)
}

// TestAuthorizationIsCached: once an instance has seen a room and a
// membership, posting and reading ask the store nothing more about them;
// a membership change on the instance is seen at once.
func TestAuthorizationIsCached(t *testing.T) {
	ctx := context.Background()
	l := &lookups{}
	svc, _, ada, bob := newWrappedService(t, func(st chat.Store) chat.Store { l.Store = st; return l })
	var events atomic.Int64
	svc.OnMemberEvent(func(chat.Event) { events.Add(1) })
	if err := svc.WatchMembers(ctx); err != nil {
		t.Fatal(err)
	}
	pub, err := svc.CreateRoom(ctx, ada, "general", "", chat.Public)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := svc.CreateRoom(ctx, ada, "secret", "", chat.Private)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.AddMember(ctx, ada, priv.ID, bob.ID); err != nil {
		t.Fatal(err)
	}
	// Warm: the first post of each kind may look things up, and so may the
	// first after this instance hears its own membership events (creations,
	// the invitation, bob joining by posting), which drop the entries.
	for _, r := range []chat.Room{pub, priv} {
		if _, _, err := svc.Post(ctx, bob, chat.Post{RoomID: r.ID, Body: "warm"}); err != nil {
			t.Fatal(err)
		}
	}
	for events.Load() < 4 {
		time.Sleep(time.Millisecond)
	}
	for _, r := range []chat.Room{pub, priv} {
		if _, _, err := svc.Post(ctx, bob, chat.Post{RoomID: r.ID, Body: "warm again"}); err != nil {
			t.Fatal(err)
		}
	}
	rooms, members := l.rooms.Load(), l.members.Load()
	for i := range 50 {
		for _, r := range []chat.Room{pub, priv} {
			if _, _, err := svc.Post(ctx, bob, chat.Post{RoomID: r.ID, Body: fmt.Sprint("post ", i)}); err != nil {
				t.Fatal(err)
			}
			if err := svc.CanRead(ctx, bob, r.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	if dr, dm := l.rooms.Load()-rooms, l.members.Load()-members; dr != 0 || dm != 0 {
		t.Fatalf("100 posts and 100 subscribes looked up %d rooms and %d memberships, want none", dr, dm)
	}
	// Removal is seen at once, and not cached as a "no".
	if err := svc.RemoveMember(ctx, ada, priv.ID, bob.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Post(ctx, bob, chat.Post{RoomID: priv.ID, Body: "after removal"}); chat.ErrorCode(err) != chat.ENOTFOUND {
		t.Fatalf("post after removal: %v", err)
	}
	if err := svc.AddMember(ctx, ada, priv.ID, bob.ID); err != nil {
		t.Fatal(err)
	}
	if err := svc.CanRead(ctx, bob, priv.ID); err != nil {
		t.Fatalf("read after re-invitation: %v", err)
	}
}

// newWrappedService is a Service on a fresh SQLite store seen through wrap
// (to count or fail calls), with ada and bob signed up.
func newWrappedService(t *testing.T, wrap func(chat.Store) chat.Store) (svc *chat.Service, st *sqlite.Store, ada, bob chat.User) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "t.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ps := memory.NewPubSub()
	t.Cleanup(func() { ps.Close() })
	svc = chat.NewService(chat.Deps{Store: wrap(st), Cache: memory.NewCache(memory.CacheConfig{}), PubSub: ps,
		Hasher: password.NewArgon2id(password.Params{Memory: 64, Time: 1, Threads: 1})})
	var users []chat.User
	for _, n := range []string{"ada", "bob"} {
		u, err := svc.SignUp(ctx, chat.SignUpInput{Username: n, Email: n + "@example.org", Password: "violet staple orbit 42"})
		if err != nil {
			t.Fatal(err)
		}
		users = append(users, u)
	}
	return svc, st, users[0], users[1]
}

package chat_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/password"
)

// refStore counts UsersByIDs reads and runs hook, once, after the read it
// is armed for has read and before it returns: a change committed while
// the read was in flight.
type refStore struct {
	chat.Store
	reads atomic.Int64
	mu    sync.Mutex
	hook  func()
}

func (s *refStore) UsersByIDs(ctx context.Context, ids []string) ([]chat.User, error) {
	s.reads.Add(1)
	us, err := s.Store.UsersByIDs(ctx, ids)
	s.mu.Lock()
	h := s.hook
	s.hook = nil
	s.mu.Unlock()
	if h != nil {
		h()
	}
	return us, err
}

// TestUserRefCache: presence names are read from the store once, then
// kept; a rename (here, on another instance, or while a read is in
// flight) and the TTL send the next lookup to the store, which has the
// new name.
func TestUserRefCache(t *testing.T) {
	ctx := context.Background()
	rename := func(svc *chat.Service, id, name string) {
		if _, err := svc.UpdateMe(ctx, id, chat.UserPatch{DisplayName: &name}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name    string
		act     func(e *env, other *chat.Service, st *refStore) // between a first lookup and the checked one
		unknown bool                                            // the checked lookup also asks for an unknown id
		reads   int64                                           // store reads by the checked lookup
		want    string                                          // the display name it returns
	}{
		{"kept", func(*env, *chat.Service, *refStore) {}, false, 0, "ada"},
		{"an unknown id is read, and left out", func(*env, *chat.Service, *refStore) {}, true, 1, "ada"},
		{"renamed here", func(e *env, _ *chat.Service, _ *refStore) { rename(e.svc, e.user.ID, "Ada L.") }, false, 1, "Ada L."},
		{"renamed on another instance", func(e *env, other *chat.Service, _ *refStore) {
			rename(other, e.user.ID, "Ada L.")
			time.Sleep(50 * time.Millisecond) // the eviction crosses the pub/sub
		}, false, 1, "Ada L."},
		{"past the TTL", func(e *env, _ *chat.Service, _ *refStore) {
			e.now.Add((chat.UserRefTTL + time.Second).Milliseconds())
		}, false, 1, "ada"},
		{"renamed while a read was in flight", func(e *env, _ *chat.Service, st *refStore) {
			e.now.Add((chat.UserRefTTL + time.Second).Milliseconds()) // the next lookup reads
			st.mu.Lock()
			st.hook = func() { rename(e.svc, e.user.ID, "Ada L.") }
			st.mu.Unlock()
			if refs, err := e.svc.UsersByIDs(ctx, []string{e.user.ID}); err != nil || len(refs) != 1 || refs[0].DisplayName != "ada" {
				t.Fatalf("the racing read: %+v, %v", refs, err) // it read before the rename
			}
		}, false, 1, "Ada L."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var st *refStore
			var ps chat.PubSub
			e := newEnvFiles(t, func(s chat.Store) chat.Store { st = &refStore{Store: s}; return st }, chat.FilesConfig{},
				func(d *chat.Deps) { ps = d.PubSub })
			other := chat.NewService(chat.Deps{Store: st.Store, Cache: e.cache, PubSub: ps,
				Hasher: password.NewArgon2id(password.Params{Memory: 64, Time: 1, Threads: 1})})
			if err := other.WatchSessions(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.UsersByIDs(ctx, []string{e.user.ID}); err != nil {
				t.Fatal(err)
			}
			tc.act(e, other, st)
			before := st.reads.Load()
			ids := []string{e.user.ID}
			if tc.unknown {
				ids = append(ids, chat.NewID())
			}
			refs, err := e.svc.UsersByIDs(ctx, ids)
			if err != nil {
				t.Fatal(err)
			}
			if n := st.reads.Load() - before; n != tc.reads {
				t.Errorf("%d store reads, want %d", n, tc.reads)
			}
			if len(refs) != 1 || refs[0].DisplayName != tc.want {
				t.Errorf("got %+v, want one user named %q", refs, tc.want)
			}
		})
	}
}

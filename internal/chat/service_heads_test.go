package chat_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/open-chat/openchat/internal/chat"
)

// headsStore records the size of each Heads call.
type headsStore struct {
	chat.Store
	mu    sync.Mutex
	calls []int
}

func (s *headsStore) Heads(ctx context.Context, roomIDs []string) (map[string]chat.Head, error) {
	s.mu.Lock()
	s.calls = append(s.calls, len(roomIDs))
	s.mu.Unlock()
	return s.Store.Heads(ctx, roomIDs)
}

// TestHeadsInChunks: the service reads any number of rooms' heads, at most
// HeadsMax a statement, and leaves out ids of no room.
func TestHeadsInChunks(t *testing.T) {
	for _, tc := range []struct {
		ids   int
		calls []int
	}{
		{0, nil},
		{1, []int{1}},
		{chat.HeadsMax, []int{chat.HeadsMax}},
		{2*chat.HeadsMax + 1, []int{chat.HeadsMax, chat.HeadsMax, 1}},
	} {
		var hs *headsStore
		e := newEnvWith(t, func(s chat.Store) chat.Store { hs = &headsStore{Store: s}; return hs })
		ctx := context.Background()
		m, _, err := e.svc.Post(ctx, e.user, chat.Post{RoomID: e.room.ID, Body: "hi"})
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]string, tc.ids)
		for i := range ids {
			ids[i] = chat.NewID()
		}
		want := map[string]chat.Head{}
		if tc.ids > 0 { // the real room in the last chunk
			ids[tc.ids-1] = e.room.ID
			want[e.room.ID] = chat.Head{LastSeq: m.Seq, LastChange: m.Change}
		}
		heads, err := e.svc.Heads(ctx, ids)
		if err != nil || len(heads) != len(want) || heads[e.room.ID] != want[e.room.ID] {
			t.Errorf("%d ids: Heads = %v, %v; want %v", tc.ids, heads, err, want)
		}
		if fmt.Sprint(hs.calls) != fmt.Sprint(tc.calls) {
			t.Errorf("%d ids: store calls of %v ids, want %v", tc.ids, hs.calls, tc.calls)
		}
	}
}

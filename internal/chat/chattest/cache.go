// Package chattest holds the conformance suites that every implementation of
// a chat interface runs, so the in-process and Redis adapters (and the SQL
// stores) are held to one contract.
package chattest

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// Configuration the cache under TestCache must be built with.
const (
	// CacheRoomsTTL is how long a filled room list stays complete. At least
	// a second so the other cases never race the expiry on a loaded machine.
	CacheRoomsTTL = time.Second
	// CacheMessagesPerRoom is how many newest messages per room are kept.
	CacheMessagesPerRoom = 5
)

// TestCache runs the chat.Cache contract against caches made by newCache,
// which must use CacheRoomsTTL and CacheMessagesPerRoom. Each subtest gets
// its own cache.
func TestCache(t *testing.T, newCache func(t *testing.T) chat.Cache) {
	t.Run("rooms", func(t *testing.T) { testCacheRooms(t, newCache) })
	t.Run("messages", func(t *testing.T) { testCacheMessages(t, newCache) })
	t.Run("concurrent adds", func(t *testing.T) {
		t.Parallel()
		c, ctx := newCache(t), context.Background()
		room := chat.NewID()
		cacheMust(t, c.FillMessages(ctx, room, nil))
		const n = 20
		order := rand.Perm(n)
		var wg sync.WaitGroup
		for _, i := range order {
			wg.Go(func() {
				if err := c.AddMessage(ctx, cacheMessage(room, int64(i+1))); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		got, ok, err := c.LatestMessages(ctx, room, CacheMessagesPerRoom)
		cacheMust(t, err)
		cacheWant(t, got, ok, true, cacheSeqs(n-CacheMessagesPerRoom+1, n))
	})
	t.Run("shared encoding", func(t *testing.T) {
		t.Parallel()
		testCacheSharedEncoding(t, newCache(t))
	})
	t.Run("newest change wins", func(t *testing.T) {
		t.Parallel()
		testCacheNewestChange(t, newCache(t))
	})
}

func testCacheRooms(t *testing.T, newCache func(t *testing.T) chat.Cache) {
	a, b, c := cacheRoom("alpha"), cacheRoom("Bravo"), cacheRoom("charlie")
	tests := []struct {
		name   string
		steps  func(ctx context.Context, cc chat.Cache) error
		wait   time.Duration // before reading
		wantOK bool
		want   []chat.Room
	}{
		{"empty cache misses", nil, 0, false, nil},
		{"add alone is not complete", func(ctx context.Context, cc chat.Cache) error {
			return cc.AddRoom(ctx, a)
		}, 0, false, nil},
		{"fill is complete and sorted by name", func(ctx context.Context, cc chat.Cache) error {
			return cc.FillRooms(ctx, []chat.Room{c, a, b})
		}, 0, true, []chat.Room{a, b, c}},
		{"fill of no rooms is complete", func(ctx context.Context, cc chat.Cache) error {
			return cc.FillRooms(ctx, nil)
		}, 0, true, []chat.Room{}},
		{"add before fill is kept", func(ctx context.Context, cc chat.Cache) error {
			return cacheErrs(cc.AddRoom(ctx, c), cc.FillRooms(ctx, []chat.Room{a, b}))
		}, 0, true, []chat.Room{a, b, c}},
		{"add after fill appears", func(ctx context.Context, cc chat.Cache) error {
			return cacheErrs(cc.FillRooms(ctx, []chat.Room{a}), cc.AddRoom(ctx, b))
		}, 0, true, []chat.Room{a, b}},
		{"re-add is idempotent", func(ctx context.Context, cc chat.Cache) error {
			return cacheErrs(cc.AddRoom(ctx, a), cc.AddRoom(ctx, a), cc.FillRooms(ctx, []chat.Room{a}), cc.AddRoom(ctx, a))
		}, 0, true, []chat.Room{a}},
		{"invalidate drops the set", func(ctx context.Context, cc chat.Cache) error {
			return cacheErrs(cc.FillRooms(ctx, []chat.Room{a}), cc.InvalidateRooms(ctx))
		}, 0, false, nil},
		{"fill after invalidate", func(ctx context.Context, cc chat.Cache) error {
			return cacheErrs(cc.FillRooms(ctx, []chat.Room{a, b}), cc.InvalidateRooms(ctx), cc.FillRooms(ctx, []chat.Room{c}))
		}, 0, true, []chat.Room{c}},
		{"complete set expires", func(ctx context.Context, cc chat.Cache) error {
			return cc.FillRooms(ctx, []chat.Room{a})
		}, CacheRoomsTTL + 300*time.Millisecond, false, nil},
		{"add does not extend completeness", func(ctx context.Context, cc chat.Cache) error {
			if err := cc.FillRooms(ctx, []chat.Room{a}); err != nil {
				return err
			}
			time.Sleep(CacheRoomsTTL * 2 / 3)
			return cc.AddRoom(ctx, b)
		}, CacheRoomsTTL*2/3 + 100*time.Millisecond, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cc, ctx := newCache(t), context.Background()
			if tt.steps != nil {
				cacheMust(t, tt.steps(ctx, cc))
			}
			time.Sleep(tt.wait)
			got, ok, err := cc.Rooms(ctx)
			cacheMust(t, err)
			if ok != tt.wantOK {
				t.Fatalf("ok = %v, want %v (rooms %v)", ok, tt.wantOK, got)
			}
			if ok && !(len(got) == 0 && len(tt.want) == 0) && !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("rooms = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// cacheRead is one read of a room's messages and what it must answer.
type cacheRead struct {
	latest int   // LatestMessages(limit) when > 0
	after  int64 // else MessagesAfter(after)
	ok     bool
	want   []int64 // seqs, when ok
}

func testCacheMessages(t *testing.T, newCache func(t *testing.T) chat.Cache) {
	N := CacheMessagesPerRoom
	tests := []struct {
		name  string
		steps func(ctx context.Context, c chat.Cache, room string) error
		reads []cacheRead
	}{
		{"empty cache misses", nil, []cacheRead{{latest: 1}, {after: 0}}},
		{"room without messages", func(ctx context.Context, c chat.Cache, room string) error {
			return c.FillMessages(ctx, room, nil)
		}, []cacheRead{{latest: N, ok: true}, {after: 0, ok: true}, {after: 3, ok: true}}},
		{"add alone is not complete", func(ctx context.Context, c chat.Cache, room string) error {
			return c.AddMessage(ctx, cacheMessage(room, 1))
		}, []cacheRead{{latest: 1}, {after: 0}}},
		{"fill then add", func(ctx context.Context, c chat.Cache, room string) error {
			return cacheErrs(c.FillMessages(ctx, room, cacheMessages(room, 1, 3)), c.AddMessage(ctx, cacheMessage(room, 4)))
		}, []cacheRead{
			{latest: N, ok: true, want: cacheSeqs(1, 4)},
			{latest: 2, ok: true, want: cacheSeqs(3, 4)},
			{after: 0, ok: true, want: cacheSeqs(1, 4)},
			{after: 2, ok: true, want: cacheSeqs(3, 4)},
			{after: 4, ok: true},
		}},
		{"add before fill is kept", func(ctx context.Context, c chat.Cache, room string) error {
			return cacheErrs(c.AddMessage(ctx, cacheMessage(room, 4)), c.FillMessages(ctx, room, cacheMessages(room, 1, 3)))
		}, []cacheRead{{latest: N, ok: true, want: cacheSeqs(1, 4)}}},
		{"first message before fill of empty room", func(ctx context.Context, c chat.Cache, room string) error {
			return cacheErrs(c.AddMessage(ctx, cacheMessage(room, 1)), c.FillMessages(ctx, room, nil))
		}, []cacheRead{{latest: N, ok: true, want: cacheSeqs(1, 1)}}},
		{"out of order adds stay ordered", func(ctx context.Context, c chat.Cache, room string) error {
			return cacheErrs(c.FillMessages(ctx, room, cacheMessages(room, 1, 3)),
				c.AddMessage(ctx, cacheMessage(room, 5)), c.AddMessage(ctx, cacheMessage(room, 4)))
		}, []cacheRead{{latest: N, ok: true, want: cacheSeqs(1, 5)}}},
		{"gap is not exact", func(ctx context.Context, c chat.Cache, room string) error {
			return cacheErrs(c.FillMessages(ctx, room, cacheMessages(room, 1, 5)), c.AddMessage(ctx, cacheMessage(room, 7)))
		}, []cacheRead{{latest: N}, {latest: 1}, {after: 5}, {after: 6}}},
		{"gap filled", func(ctx context.Context, c chat.Cache, room string) error {
			return cacheErrs(c.FillMessages(ctx, room, cacheMessages(room, 1, 5)),
				c.AddMessage(ctx, cacheMessage(room, 7)), c.AddMessage(ctx, cacheMessage(room, 6)))
		}, []cacheRead{{latest: N, ok: true, want: cacheSeqs(3, 7)}, {after: 4, ok: true, want: cacheSeqs(5, 7)}}},
		{"trimmed to N", func(ctx context.Context, c chat.Cache, room string) error {
			err := c.FillMessages(ctx, room, cacheMessages(room, 1, 5))
			for s := int64(6); s <= 12 && err == nil; s++ {
				err = c.AddMessage(ctx, cacheMessage(room, s))
			}
			return err
		}, []cacheRead{
			{latest: N, ok: true, want: cacheSeqs(8, 12)},
			{latest: N + 1},
			{after: 7, ok: true, want: cacheSeqs(8, 12)},
			{after: 6},
			{after: 12, ok: true},
		}},
		{"fill of a long room starts at its first seq", func(ctx context.Context, c chat.Cache, room string) error {
			return c.FillMessages(ctx, room, cacheMessages(room, 11, 15))
		}, []cacheRead{
			{latest: N, ok: true, want: cacheSeqs(11, 15)},
			{latest: 3, ok: true, want: cacheSeqs(13, 15)},
			{latest: N + 1},
			{after: 10, ok: true, want: cacheSeqs(11, 15)},
			{after: 9},
		}},
		{"fill of fewer than N not from seq 1", func(ctx context.Context, c chat.Cache, room string) error {
			return c.FillMessages(ctx, room, cacheMessages(room, 11, 13))
		}, []cacheRead{{latest: 3, ok: true, want: cacheSeqs(11, 13)}, {latest: 4}}},
		{"re-add is idempotent", func(ctx context.Context, c chat.Cache, room string) error {
			return cacheErrs(c.FillMessages(ctx, room, cacheMessages(room, 1, 3)),
				c.AddMessage(ctx, cacheMessage(room, 3)), c.AddMessage(ctx, cacheMessage(room, 4)),
				c.AddMessage(ctx, cacheMessage(room, 4)), c.FillMessages(ctx, room, cacheMessages(room, 2, 4)))
		}, []cacheRead{{latest: N, ok: true, want: cacheSeqs(1, 4)}}},
		{"stale fill after trim changes nothing", func(ctx context.Context, c chat.Cache, room string) error {
			err := c.FillMessages(ctx, room, cacheMessages(room, 1, 5))
			for s := int64(6); s <= 12 && err == nil; s++ {
				err = c.AddMessage(ctx, cacheMessage(room, s))
			}
			return cacheErrs(err, c.FillMessages(ctx, room, cacheMessages(room, 1, 5)))
		}, []cacheRead{{latest: N, ok: true, want: cacheSeqs(8, 12)}, {after: 7, ok: true, want: cacheSeqs(8, 12)}}},
		{"invalidate", func(ctx context.Context, c chat.Cache, room string) error {
			return cacheErrs(c.FillMessages(ctx, room, cacheMessages(room, 1, 3)),
				c.InvalidateMessages(ctx, room), c.AddMessage(ctx, cacheMessage(room, 4)))
		}, []cacheRead{{latest: 1}, {after: 3}}},
		{"fill after invalidate", func(ctx context.Context, c chat.Cache, room string) error {
			return cacheErrs(c.FillMessages(ctx, room, cacheMessages(room, 1, 3)), c.InvalidateMessages(ctx, room),
				c.AddMessage(ctx, cacheMessage(room, 4)), c.FillMessages(ctx, room, cacheMessages(room, 1, 4)))
		}, []cacheRead{{latest: N, ok: true, want: cacheSeqs(1, 4)}}},
		{"rooms are isolated", func(ctx context.Context, c chat.Cache, room string) error {
			other := room + "-other"
			return cacheErrs(c.FillMessages(ctx, other, cacheMessages(other, 1, 3)), c.AddMessage(ctx, cacheMessage(other, 4)))
		}, []cacheRead{{latest: 1}, {after: 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, ctx, room := newCache(t), context.Background(), chat.NewID()
			if tt.steps != nil {
				cacheMust(t, tt.steps(ctx, c, room))
			}
			for _, r := range tt.reads {
				var got []chat.Message
				var ok bool
				var err error
				if r.latest > 0 {
					got, ok, err = c.LatestMessages(ctx, room, r.latest)
					cacheSameJSON(t, c, room, r.latest, got, ok)
				} else {
					got, ok, err = c.MessagesAfter(ctx, room, r.after)
				}
				cacheMust(t, err)
				t.Logf("read %+v", r)
				cacheWant(t, got, ok, r.ok, r.want)
				for _, m := range got {
					if want := cacheMessage(room, m.Seq); !reflect.DeepEqual(m, want) {
						t.Fatalf("message %d = %+v, want %+v", m.Seq, m, want)
					}
				}
			}
		})
	}
}

func cacheWant(t *testing.T, got []chat.Message, ok, wantOK bool, want []int64) {
	t.Helper()
	if ok != wantOK {
		t.Fatalf("ok = %v, want %v (seqs %v)", ok, wantOK, cacheSeqsOf(got))
	}
	if ok && !reflect.DeepEqual(cacheSeqsOf(got), want) {
		t.Fatalf("seqs = %v, want %v", cacheSeqsOf(got), want)
	}
}

func cacheRoom(name string) chat.Room {
	return chat.Room{ID: chat.NewID(), Name: name, Topic: "about " + name, Visibility: chat.Public, CreatedBy: "u1",
		CreatedAt: chat.NewTime(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC))}
}

// testMessage is deterministic in (room, seq) so reads can be compared with
// what was written, field by field.
func cacheMessage(room string, seq int64) chat.Message {
	return chat.Message{
		ID: fmt.Sprintf("%s-%d", room, seq), RoomID: room, Seq: seq,
		Author:    chat.UserRef{ID: "u1", Username: "ann", DisplayName: "Ann"},
		Body:      fmt.Sprintf("message %d, with \"quotes\" and ünïcode", seq),
		CreatedAt: chat.NewTime(time.Date(2024, 5, 1, 12, 0, int(seq), 0, time.UTC)),
		ClientID:  fmt.Sprintf("c%d", seq), Mentions: []string{"bob"},
		Change: seq, Reactions: []chat.Reaction{},
	}
}

func cacheMessages(room string, from, to int64) []chat.Message {
	var ms []chat.Message
	for s := from; s <= to; s++ {
		ms = append(ms, cacheMessage(room, s))
	}
	return ms
}

func cacheSeqs(from, to int) []int64 {
	var s []int64
	for i := from; i <= to; i++ {
		s = append(s, int64(i))
	}
	return s
}

func cacheSeqsOf(ms []chat.Message) []int64 {
	var s []int64
	for _, m := range ms {
		s = append(s, m.Seq)
	}
	return s
}

func cacheErrs(es ...error) error {
	for _, e := range es {
		if e != nil {
			return e
		}
	}
	return nil
}

func cacheMust(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// testCacheNewestChange: an edited message replaces its cached form only
// with a newer one, whichever order writes (adds, stale fills, concurrent
// edits) arrive in.
func testCacheNewestChange(t *testing.T, c chat.Cache) {
	ctx, room := context.Background(), chat.NewID()
	form := func(seq, change int64) chat.Message {
		m := cacheMessage(room, seq)
		m.Change, m.Body = change, fmt.Sprintf("form %d", change)
		return m
	}
	bodyOf := func(seq int64) string {
		t.Helper()
		got, ok, err := c.LatestMessages(ctx, room, 3)
		cacheMust(t, err)
		if !ok || len(got) != 3 {
			t.Fatalf("latest: ok=%v %v", ok, cacheSeqsOf(got))
		}
		cacheSameJSON(t, c, room, 3, got, ok)
		return got[seq-1].Body
	}
	cacheMust(t, c.FillMessages(ctx, room, cacheMessages(room, 1, 3)))
	steps := []struct {
		name  string
		write func() error
		want  string
	}{
		{"an edit replaces", func() error { return c.AddMessage(ctx, form(2, 10)) }, "form 10"},
		{"an older form does not", func() error { return c.AddMessage(ctx, form(2, 5)) }, "form 10"},
		{"nor does a stale fill", func() error { return c.FillMessages(ctx, room, cacheMessages(room, 1, 3)) }, "form 10"},
		{"the same form again is a no-op", func() error { return c.AddMessage(ctx, form(2, 10)) }, "form 10"},
		{"a newer one does", func() error { return c.AddMessage(ctx, form(2, 11)) }, "form 11"},
	}
	for _, s := range steps {
		cacheMust(t, s.write())
		if got := bodyOf(2); got != s.want {
			t.Errorf("%s: body %q, want %q", s.name, got, s.want)
		}
	}
	var wg sync.WaitGroup
	for _, change := range rand.Perm(20) {
		wg.Go(func() {
			if err := c.AddMessage(ctx, form(3, int64(change+4))); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := bodyOf(3); got != "form 23" {
		t.Errorf("concurrent edits: body %q, want the newest, form 23", got)
	}
}

// cacheSameJSON: LatestMessagesJSON answers what LatestMessages answered
// (got, ok), in the shared encoding.
func cacheSameJSON(t *testing.T, c chat.Cache, room string, limit int, got []chat.Message, ok bool) {
	t.Helper()
	raw, rawOK, err := c.LatestMessagesJSON(context.Background(), room, limit)
	cacheMust(t, err)
	if rawOK != ok {
		t.Fatalf("LatestMessagesJSON ok=%v, LatestMessages ok=%v", rawOK, ok)
	}
	want := chat.EncodeMessages(got)
	if len(raw) != len(want) {
		t.Fatalf("LatestMessagesJSON: %d messages, want %d", len(raw), len(want))
	}
	for i := range raw {
		if !bytes.Equal(raw[i], want[i]) {
			t.Fatalf("LatestMessagesJSON[%d] = %s, want %s", i, raw[i], want[i])
		}
	}
}

// testCacheSharedEncoding: a message written with a reader's "me" set is
// encoded without it, since the bytes go to every reader.
func testCacheSharedEncoding(t *testing.T, c chat.Cache) {
	ctx, room := context.Background(), chat.NewID()
	m := cacheMessage(room, 1)
	m.Change = 2
	m.Reactions = []chat.Reaction{{Emoji: "👍", Count: 1, Me: true, UserIDs: []string{"u1"}}}
	cacheMust(t, c.FillMessages(ctx, room, []chat.Message{m}))
	m.Change = 3
	m.Reactions = []chat.Reaction{{Emoji: "👍", Count: 2, Me: true, UserIDs: []string{"u1", "u2"}}}
	cacheMust(t, c.AddMessage(ctx, m))
	got, ok, err := c.LatestMessages(ctx, room, 1)
	cacheMust(t, err)
	if !ok || len(got) != 1 {
		t.Fatalf("latest: ok=%v %v", ok, cacheSeqsOf(got))
	}
	if r := got[0].Reactions; len(r) != 1 || r[0].Count != 2 {
		t.Fatalf("reactions read back as %+v, want the newest form", r)
	}
	cacheSameJSON(t, c, room, 1, got, ok)
	raw, _, err := c.LatestMessagesJSON(ctx, room, 1)
	cacheMust(t, err)
	if bytes.Contains(raw[0], []byte(`"me"`)) {
		t.Fatalf("shared encoding %s carries a reader's me", raw[0])
	}
}

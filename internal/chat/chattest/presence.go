package chattest

import (
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// PresenceTTL is the entry TTL the presences under TestPresence must use:
// short so expiry is tested with the real clock, long enough that a loaded
// machine does not expire entries between a touch and the next read.
const PresenceTTL = time.Second

// TestPresence runs the chat.Presence contract. newPair returns two
// instances (distinct instance ids) that share state, both with PresenceTTL.
func TestPresence(t *testing.T, newPair func(t *testing.T) (a, b chat.Presence)) {
	type step struct {
		p       int // 0: a, 1: b
		remove  bool
		entries []chat.PresenceEntry
		sleep   time.Duration // after the step
	}
	e := func(room, user string) chat.PresenceEntry { return chat.PresenceEntry{RoomID: room, UserID: user} }
	tests := []struct {
		name   string
		steps  []step
		room   string              // Online of room and the extra rooms, on both instances
		want   []string            // sorted
		online map[string]bool     // IsOnline on both instances
		extra  map[string][]string // Online of other rooms
	}{
		{name: "nobody", room: "r1", online: map[string]bool{"u1": false}},
		{name: "across instances",
			steps: []step{{p: 0, entries: []chat.PresenceEntry{e("r1", "u1")}}, {p: 1, entries: []chat.PresenceEntry{e("r1", "u2"), e("r2", "u3")}}},
			room:  "r1", want: []string{"u1", "u2"}, extra: map[string][]string{"r2": {"u3"}, "r3": nil}},
		{name: "distinct users",
			steps: []step{{p: 0, entries: []chat.PresenceEntry{e("r1", "u1")}}, {p: 1, entries: []chat.PresenceEntry{e("r1", "u1")}}, {p: 0, entries: []chat.PresenceEntry{e("r1", "u1")}}},
			room:  "r1", want: []string{"u1"}},
		{name: "remove drops only this instance's entry",
			steps: []step{{p: 0, entries: []chat.PresenceEntry{e("r1", "u1"), e("", "u1")}}, {p: 1, entries: []chat.PresenceEntry{e("r1", "u1"), e("", "u1")}},
				{p: 0, remove: true, entries: []chat.PresenceEntry{e("r1", "u1"), e("", "u1")}}},
			room: "r1", want: []string{"u1"}, online: map[string]bool{"u1": true}},
		{name: "removed on every instance",
			steps: []step{{p: 0, entries: []chat.PresenceEntry{e("r1", "u1"), e("", "u1")}}, {p: 1, entries: []chat.PresenceEntry{e("r1", "u1"), e("", "u1")}},
				{p: 0, remove: true, entries: []chat.PresenceEntry{e("r1", "u1"), e("", "u1")}}, {p: 1, remove: true, entries: []chat.PresenceEntry{e("r1", "u1"), e("", "u1")}}},
			room: "r1", online: map[string]bool{"u1": false}},
		{name: "is online needs the connected entry",
			steps: []step{{p: 0, entries: []chat.PresenceEntry{e("", "u1"), e("r1", "u2")}}},
			room:  "r1", want: []string{"u2"}, online: map[string]bool{"u1": true, "u2": false}},
		{name: "entries expire",
			steps: []step{{p: 0, entries: []chat.PresenceEntry{e("r1", "u1"), e("", "u1")}, sleep: PresenceTTL + 500*time.Millisecond}},
			room:  "r1", online: map[string]bool{"u1": false}},
		{name: "touch keeps entries alive",
			steps: []step{{p: 0, entries: []chat.PresenceEntry{e("r1", "u1"), e("", "u1")}, sleep: PresenceTTL * 6 / 10},
				{p: 0, entries: []chat.PresenceEntry{e("r1", "u1"), e("", "u1")}, sleep: PresenceTTL * 6 / 10}},
			room: "r1", want: []string{"u1"}, online: map[string]bool{"u1": true}},
		{name: "one expired instance, one live",
			steps: []step{{p: 0, entries: []chat.PresenceEntry{e("r1", "u1"), e("", "u1")}, sleep: PresenceTTL * 6 / 10},
				{p: 1, entries: []chat.PresenceEntry{e("r1", "u1"), e("", "u1")}, sleep: PresenceTTL * 6 / 10}},
			room: "r1", want: []string{"u1"}, online: map[string]bool{"u1": true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, b := newPair(t)
			ps := []chat.Presence{a, b}
			ctx := context.Background()
			// Ids unique per test so implementations may share a backend.
			id := func(s string) string {
				if s == "" {
					return ""
				}
				return t.Name() + "/" + s
			}
			for _, s := range tt.steps {
				var es []chat.PresenceEntry
				for _, x := range s.entries {
					es = append(es, chat.PresenceEntry{RoomID: id(x.RoomID), UserID: id(x.UserID)})
				}
				var err error
				if s.remove {
					err = ps[s.p].Remove(ctx, es)
				} else {
					err = ps[s.p].Touch(ctx, es)
				}
				if err != nil {
					t.Fatal(err)
				}
				time.Sleep(s.sleep)
			}
			// Every room in one call, as a hub's presence flush asks.
			want := map[string][]string{id(tt.room): nil}
			for room, users := range tt.extra {
				want[id(room)] = nil
				for _, u := range users {
					want[id(room)] = append(want[id(room)], id(u))
				}
			}
			for _, u := range tt.want {
				want[id(tt.room)] = append(want[id(tt.room)], id(u))
			}
			rooms := slices.Sorted(maps.Keys(want))
			for i, p := range ps {
				got, err := p.Online(ctx, rooms)
				if err != nil {
					t.Fatal(err)
				}
				for _, room := range rooms {
					users := slices.Sorted(slices.Values(got[room]))
					if !slices.Equal(users, want[room]) {
						t.Errorf("instance %d: Online(%s) = %q, want %q", i, room, users, want[room])
					}
				}
			}
			for u, want := range tt.online {
				for i, p := range ps {
					got, err := p.IsOnline(ctx, id(u))
					if err != nil {
						t.Fatal(err)
					}
					if got != want {
						t.Errorf("instance %d: IsOnline(%s) = %v, want %v", i, u, got, want)
					}
				}
			}
		})
	}
}

package chattest

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

func newPrivateRoom(t *testing.T, s chat.Store, owner chat.User, name string) chat.Room {
	t.Helper()
	r := chat.Room{ID: chat.NewID(), Name: name, Visibility: chat.Private, CreatedBy: owner.ID, CreatedAt: chat.NewTime(base)}
	if err := s.CreateRoom(context.Background(), r); err != nil {
		t.Fatalf("CreateRoom(%s, private): %v", name, err)
	}
	return r
}

func addMember(t *testing.T, s chat.Store, r chat.Room, u chat.User, at time.Time, wantAdded bool) {
	t.Helper()
	added, err := s.AddMember(context.Background(), r.ID, u.ID, chat.MemberRole, chat.NewTime(at))
	if err != nil || added != wantAdded {
		t.Fatalf("AddMember(%s, %s) = %v, %v; want added %v", r.Name, u.Username, added, err, wantAdded)
	}
}

// roles lists a room's members as "username:role" in join order.
func roles(t *testing.T, s chat.Store, roomID string) string {
	t.Helper()
	ms, err := s.Members(context.Background(), roomID, chat.MemberCursor{}, 100)
	if err != nil {
		t.Fatalf("Members: %v", err)
	}
	var out []string
	for _, m := range ms {
		out = append(out, m.User.Username+":"+string(m.Role))
	}
	return fmt.Sprint(out)
}

func testMembers(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada, bob, cy := newUser(t, s, "ada"), newUser(t, s, "bob"), newUser(t, s, "cy")
	r := newRoom(t, s, ada, "general")
	if got := roles(t, s, r.ID); got != "[ada:owner]" {
		t.Fatalf("after CreateRoom: %s", got)
	}
	addMember(t, s, r, bob, base.Add(time.Second), true)
	addMember(t, s, r, bob, base.Add(time.Hour), false) // idempotent, keeps its join time
	addMember(t, s, r, cy, base.Add(2*time.Second), true)
	_, err := s.AddMember(ctx, chat.NewID(), bob.ID, chat.MemberRole, chat.NewTime(base))
	wantCode(t, "AddMember unknown room", err, chat.ENOTFOUND)
	_, err = s.AddMember(ctx, r.ID, chat.NewID(), chat.MemberRole, chat.NewTime(base))
	wantCode(t, "AddMember unknown user", err, chat.ENOTFOUND)

	m, err := s.Member(ctx, r.ID, bob.ID)
	if err != nil || m.Role != chat.MemberRole || m.User != bob.Ref() || !m.JoinedAt.Equal(base.Add(time.Second)) {
		t.Fatalf("Member(bob) = %+v, %v", m, err)
	}
	_, err = s.Member(ctx, r.ID, chat.NewID())
	wantCode(t, "Member non-member", err, chat.ENOTFOUND)

	// Pages in join order, resuming after the cursor.
	first, err := s.Members(ctx, r.ID, chat.MemberCursor{}, 2)
	if err != nil || len(first) != 2 || first[0].User.ID != ada.ID || first[1].User.ID != bob.ID {
		t.Fatalf("Members page 1 = %+v, %v", first, err)
	}
	rest, err := s.Members(ctx, r.ID, chat.MemberCursor{JoinedAt: first[1].JoinedAt, UserID: first[1].User.ID}, 2)
	if err != nil || len(rest) != 1 || rest[0].User.ID != cy.ID {
		t.Fatalf("Members page 2 = %+v, %v", rest, err)
	}

	ids, err := s.MemberIDs(ctx, r.ID, nil)
	slices.Sort(ids)
	want := []string{ada.ID, bob.ID, cy.ID}
	slices.Sort(want)
	if err != nil || !slices.Equal(ids, want) {
		t.Fatalf("MemberIDs = %v, %v", ids, err)
	}
	outsider := newUser(t, s, "dee")
	if ids, err := s.MemberIDs(ctx, r.ID, []string{bob.ID, outsider.ID}); err != nil || !slices.Equal(ids, []string{bob.ID}) {
		t.Fatalf("MemberIDs(only) = %v, %v", ids, err)
	}
	if ids, err := s.MemberIDs(ctx, r.ID, []string{}); err != nil || len(ids) != 0 {
		t.Fatalf("MemberIDs(none) = %v, %v", ids, err)
	}

	// Roles: a new owner demotes the old one to moderator.
	if m, err := s.SetRole(ctx, r.ID, bob.ID, chat.Moderator); err != nil || m.Role != chat.Moderator {
		t.Fatalf("SetRole(bob, moderator) = %+v, %v", m, err)
	}
	if _, err := s.SetRole(ctx, r.ID, cy.ID, chat.Owner); err != nil {
		t.Fatal(err)
	}
	if got := roles(t, s, r.ID); got != "[ada:moderator bob:moderator cy:owner]" {
		t.Fatalf("after owner change: %s", got)
	}
	_, err = s.SetRole(ctx, r.ID, outsider.ID, chat.Moderator)
	wantCode(t, "SetRole non-member", err, chat.ENOTFOUND)

	removed, newOwner, err := s.RemoveMember(ctx, r.ID, bob.ID)
	if err != nil || !removed || newOwner != "" {
		t.Fatalf("RemoveMember(bob) = %v, %q, %v", removed, newOwner, err)
	}
	if removed, _, err := s.RemoveMember(ctx, r.ID, bob.ID); err != nil || removed {
		t.Fatalf("RemoveMember(bob) again = %v, %v", removed, err)
	}
	_, err = s.Member(ctx, r.ID, bob.ID)
	wantCode(t, "Member after removal", err, chat.ENOTFOUND)
}

func testOwnerHandoff(t *testing.T, s chat.Store) {
	ctx := context.Background()
	tests := []struct {
		name  string
		setup func(r chat.Room, others []chat.User)
		want  string // new owner's username after the owner leaves, "" for none
	}{
		{"oldest moderator first", func(r chat.Room, o []chat.User) {
			for i, u := range o {
				addMember(t, s, r, u, base.Add(time.Duration(i+1)*time.Second), true)
			}
			for _, u := range o[1:] {
				if _, err := s.SetRole(ctx, r.ID, u.ID, chat.Moderator); err != nil {
					t.Fatal(err)
				}
			}
		}, "u1"},
		{"else oldest member", func(r chat.Room, o []chat.User) {
			for i, u := range o {
				addMember(t, s, r, u, base.Add(time.Duration(len(o)-i)*time.Second), true)
			}
		}, "u2"},
		{"nobody left", func(chat.Room, []chat.User) {}, ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			owner := newUser(t, s, fmt.Sprintf("owner%d", i))
			r := newRoom(t, s, owner, fmt.Sprintf("room%d", i))
			var others []chat.User
			for j := range 3 {
				others = append(others, newUser(t, s, fmt.Sprintf("r%du%d", i, j)))
			}
			tt.setup(r, others)
			removed, newOwner, err := s.RemoveMember(ctx, r.ID, owner.ID)
			if err != nil || !removed {
				t.Fatalf("RemoveMember(owner) = %v, %v", removed, err)
			}
			got := ""
			for _, u := range others {
				if u.ID == newOwner {
					got = u.Username[len(u.Username)-2:]
				}
			}
			if got != tt.want {
				t.Fatalf("new owner = %q (%s), want %q", got, roles(t, s, r.ID), tt.want)
			}
			if tt.want != "" {
				if m, err := s.Member(ctx, r.ID, newOwner); err != nil || m.Role != chat.Owner {
					t.Fatalf("new owner's membership = %+v, %v", m, err)
				}
			}
		})
	}
}

func testVisibility(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada := newUser(t, s, "ada")
	pub := newRoom(t, s, ada, "Plans")
	secret := newPrivateRoom(t, s, ada, "plans") // private names may match public ones
	newPrivateRoom(t, s, ada, "plans")           // and each other
	rooms, err := s.Rooms(ctx)
	if err != nil || len(rooms) != 1 || rooms[0].ID != pub.ID || rooms[0].Visibility != chat.Public {
		t.Fatalf("Rooms lists only public rooms: %+v, %v", rooms, err)
	}
	got, err := s.RoomByID(ctx, secret.ID)
	if err != nil || got.Visibility != chat.Private || got.Name != "plans" {
		t.Fatalf("RoomByID(private) = %+v, %v", got, err)
	}
	if m, err := s.Member(ctx, secret.ID, ada.ID); err != nil || m.Role != chat.Owner {
		t.Fatalf("private room's creator = %+v, %v", m, err)
	}

	name, topic := "Roadmap", "next quarter"
	up, err := s.UpdateRoom(ctx, secret.ID, chat.RoomPatch{Name: &name, Topic: &topic})
	if err != nil || up.Name != name || up.Topic != topic || up.Visibility != chat.Private {
		t.Fatalf("UpdateRoom(private) = %+v, %v", up, err)
	}
	other := newRoom(t, s, ada, "Other")
	taken := "PLANS"
	_, err = s.UpdateRoom(ctx, other.ID, chat.RoomPatch{Name: &taken})
	wantCode(t, "UpdateRoom to a taken public name", err, chat.ECONFLICT)
	renamed := "Plans B"
	if up, err := s.UpdateRoom(ctx, pub.ID, chat.RoomPatch{Name: &renamed}); err != nil || up.Name != renamed || up.Topic != pub.Topic {
		t.Fatalf("UpdateRoom(public) = %+v, %v", up, err)
	}
	if _, err := s.UpdateRoom(ctx, other.ID, chat.RoomPatch{Name: &taken}); err != nil {
		t.Fatalf("UpdateRoom to a freed name: %v", err)
	}
	_, err = s.UpdateRoom(ctx, chat.NewID(), chat.RoomPatch{Name: &name})
	wantCode(t, "UpdateRoom unknown", err, chat.ENOTFOUND)
}

func directRoom(creator chat.User) chat.Room {
	return chat.Room{ID: chat.NewID(), Visibility: chat.Direct, CreatedBy: creator.ID, CreatedAt: chat.NewTime(base)}
}

func testDirectRooms(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada, bob, cy := newUser(t, s, "ada"), newUser(t, s, "bob"), newUser(t, s, "cy")
	r, created, err := s.CreateDirectRoom(ctx, directRoom(ada), []string{ada.ID, bob.ID})
	if err != nil || !created || r.Visibility != chat.Direct || r.Name != "" {
		t.Fatalf("CreateDirectRoom = %+v, %v, %v", r, created, err)
	}
	again, created, err := s.CreateDirectRoom(ctx, directRoom(bob), []string{bob.ID, ada.ID})
	if err != nil || created || again.ID != r.ID {
		t.Fatalf("same pair, other order = %+v, %v, %v; want room %s", again, created, err, r.ID)
	}
	trio, created, err := s.CreateDirectRoom(ctx, directRoom(ada), []string{ada.ID, bob.ID, cy.ID})
	if err != nil || !created || trio.ID == r.ID {
		t.Fatalf("a different set gets its own room: %+v, %v, %v", trio, created, err)
	}
	if rooms, err := s.Rooms(ctx); err != nil || len(rooms) != 0 {
		t.Fatalf("direct rooms are not in the directory: %+v, %v", rooms, err)
	}
	if got := roles(t, s, r.ID); got != "[ada:member bob:member]" && got != "[bob:member ada:member]" {
		t.Fatalf("direct members = %s", got)
	}
	// Bob leaves; opening the conversation again brings him back.
	if _, _, err := s.RemoveMember(ctx, r.ID, bob.ID); err != nil {
		t.Fatal(err)
	}
	back, created, err := s.CreateDirectRoom(ctx, directRoom(ada), []string{ada.ID, bob.ID})
	if err != nil || created || back.ID != r.ID {
		t.Fatalf("reopen = %+v, %v, %v", back, created, err)
	}
	if _, err := s.Member(ctx, r.ID, bob.ID); err != nil {
		t.Fatalf("bob is back: %v", err)
	}
}

// testDirectRoomsConcurrent creates the same pair's room from many
// goroutines, in both orders: one room results.
func testDirectRoomsConcurrent(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada, bob := newUser(t, s, "ada"), newUser(t, s, "bob")
	const n = 16
	ids := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			pair := []string{ada.ID, bob.ID}
			if i%2 == 1 {
				pair = []string{bob.ID, ada.ID}
			}
			r, _, err := s.CreateDirectRoom(ctx, directRoom(ada), pair)
			ids[i], errs[i] = r.ID, err
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || ids[i] != ids[0] {
			t.Fatalf("call %d: room %s, %v; call 0: room %s", i, ids[i], errs[i], ids[0])
		}
	}
	mine, err := s.MyRooms(ctx, ada.ID, "")
	if err != nil || len(mine) != 1 {
		t.Fatalf("ada's rooms = %+v, %v", mine, err)
	}
}

func myRoom(t *testing.T, s chat.Store, u chat.User, roomID string) chat.MyRoom {
	t.Helper()
	rooms, err := s.MyRooms(context.Background(), u.ID, "")
	if err != nil {
		t.Fatalf("MyRooms(%s): %v", u.Username, err)
	}
	one, err := s.MyRooms(context.Background(), u.ID, roomID) // the same, read alone
	if err != nil || len(one) != 1 {
		t.Fatalf("MyRooms(%s, %s) = %+v, %v", u.Username, roomID, one, err)
	}
	for _, r := range rooms {
		if r.ID == roomID {
			if !reflect.DeepEqual(r, one[0]) {
				t.Fatalf("MyRooms(%s) has %+v, alone %+v", u.Username, r, one[0])
			}
			return r
		}
	}
	t.Fatalf("MyRooms(%s) lacks %s: %+v", u.Username, roomID, rooms)
	return chat.MyRoom{}
}

func testReadState(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada, bob := newUser(t, s, "ada"), newUser(t, s, "bob")
	r := newRoom(t, s, ada, "general")
	post(t, s, r, ada, "before bob joined")
	addMember(t, s, r, bob, base, true) // joins having read what came before
	if got := myRoom(t, s, bob, r.ID); got.LastSeq != 1 || got.LastReadSeq != 1 || got.Unread != 0 || got.Role != chat.MemberRole {
		t.Fatalf("bob on joining: %+v", got)
	}
	post(t, s, r, ada, "one")
	post(t, s, r, ada, "@bob two", bob)
	post(t, s, r, ada, "three")
	// Posting moves no read position by itself: the service stores its
	// authors' positions in batches.
	if got := myRoom(t, s, ada, r.ID); got.LastReadSeq != 0 {
		t.Fatalf("ada's position after posting = %d, want 0 until MarkReads", got.LastReadSeq)
	}
	if err := s.MarkReads(ctx, []chat.ReadMark{{RoomID: r.ID, UserID: ada.ID, Seq: 4}, {RoomID: r.ID, UserID: ada.ID, Seq: 2}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name                 string
		user                 chat.User
		read, unread, ofMine int64
	}{
		{"the author has read its own posts", ada, 4, 0, 0},
		{"bob has three unread, one a mention", bob, 1, 3, 1},
	}
	for _, tt := range tests {
		got := myRoom(t, s, tt.user, r.ID)
		if got.LastSeq != 4 || got.LastReadSeq != tt.read || got.Unread != tt.unread || got.UnreadMentions != tt.ofMine {
			t.Fatalf("%s: %+v", tt.name, got)
		}
	}
	marks := []struct {
		seq, wantPos int64
		moved        bool
	}{
		{3, 3, true},   // past the mention
		{2, 3, false},  // never backwards
		{99, 4, true},  // capped at the newest message
		{99, 4, false}, // already there
	}
	for _, m := range marks {
		pos, moved, err := s.MarkRead(ctx, r.ID, bob.ID, m.seq)
		if err != nil || pos != m.wantPos || moved != m.moved {
			t.Fatalf("MarkRead(%d) = %d, %v, %v; want %d, %v", m.seq, pos, moved, err, m.wantPos, m.moved)
		}
	}
	if got := myRoom(t, s, bob, r.ID); got.Unread != 0 || got.UnreadMentions != 0 {
		t.Fatalf("bob after reading: %+v", got)
	}
	post(t, s, r, bob, "bob speaks")
	cy := newUser(t, s, "cy")
	batch := []chat.ReadMark{{RoomID: r.ID, UserID: bob.ID, Seq: 5}, {RoomID: r.ID, UserID: bob.ID, Seq: 3}, // never backwards
		{RoomID: r.ID, UserID: cy.ID, Seq: 5}} // a non-member is skipped
	if err := s.MarkReads(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkReads(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if got := myRoom(t, s, bob, r.ID); got.LastReadSeq != 5 || got.Unread != 0 {
		t.Fatalf("bob after his post's mark: %+v", got)
	}
	_, err := s.Member(ctx, r.ID, cy.ID)
	wantCode(t, "MarkReads made a member", err, chat.ENOTFOUND)
	_, _, err = s.MarkRead(ctx, r.ID, cy.ID, 1)
	wantCode(t, "MarkRead non-member", err, chat.ENOTFOUND)

	// A post without Join leaves a non-member out (a member removed while
	// its post was on the way is not brought back); with Join it joins,
	// having read its post.
	if _, _, err := s.AppendMessage(ctx, chat.NewMessage{ID: chat.NewID(), RoomID: r.ID, Author: cy.Ref(), Body: "no join"}); err != nil {
		t.Fatal(err)
	}
	_, err = s.Member(ctx, r.ID, cy.ID)
	wantCode(t, "Member after a post without Join", err, chat.ENOTFOUND)
	for i := range 2 { // joining twice is one membership; the second, with a mention, commits the other way
		nm := chat.NewMessage{ID: chat.NewID(), RoomID: r.ID, Author: cy.Ref(), Body: "join", Join: true}
		if i == 1 {
			nm.Mentions, nm.MentionUserIDs = []string{ada.Username}, []string{ada.ID}
		}
		if _, _, err := s.AppendMessage(ctx, nm); err != nil {
			t.Fatal(err)
		}
	}
	if got := myRoom(t, s, cy, r.ID); got.Role != chat.MemberRole || got.LastReadSeq != 8 || got.Unread != 0 {
		t.Fatalf("cy after joining by posting: %+v", got)
	}
}

func testDirectNotifications(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada, bob, cy := newUser(t, s, "ada"), newUser(t, s, "bob"), newUser(t, s, "cy")
	r, _, err := s.CreateDirectRoom(ctx, directRoom(ada), []string{ada.ID, bob.ID, cy.ID})
	if err != nil {
		t.Fatal(err)
	}
	nm := chat.NewMessage{ID: chat.NewID(), RoomID: r.ID, Author: ada.Ref(), Body: "hi both", NotifyUserIDs: []string{bob.ID, cy.ID}}
	if _, _, err := s.AppendMessage(ctx, nm); err != nil {
		t.Fatal(err)
	}
	got := myRoom(t, s, bob, r.ID)
	if got.Unread != 1 || got.UnreadMentions != 0 || len(got.Members) != 2 || got.Members[0] != ada.Ref() || got.Members[1] != cy.Ref() {
		t.Fatalf("bob's direct room = %+v", got)
	}
	formOne(t, s, time.Now().Add(window), 2) // one batch each for bob and cy
	bs := claim(t, s, "w", time.Now().Add(window), 2)
	for _, b := range bs {
		if len(b.Items) != 1 || b.Items[0].Room.Visibility != chat.Direct || b.Items[0].Message.Body != "hi both" {
			t.Fatalf("batch for %s: %+v", b.User.Username, b.Items)
		}
	}
	if ms, err := s.Mentions(ctx, bob.ID, 0, 10); err != nil || len(ms) != 0 {
		t.Fatalf("a direct message is no mention: %+v, %v", ms, err)
	}
}

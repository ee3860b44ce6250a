package ws

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// A non-member cannot subscribe to a private room; a member removed from
// one stops receiving its messages at once and is told; an invited member
// hears of the room and can subscribe at once.
func TestPrivateRoomSubscriptions(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.signUp("alice", "bob", "carol")
	r, err := e.svc.CreateRoom(bg(), e.user("alice"), "secret", "", chat.Private)
	if err != nil {
		t.Fatal(err)
	}
	carol := e.dial("carol", dialOpts{})
	carol.expect(typeHello)
	carol.send(M{"type": "subscribe", "room_id": r.ID, "ref": "s1"})
	if f := carol.expect(typeError); f.Code != chat.ENOTFOUND || f.Ref != "s1" {
		t.Fatalf("subscribe as non-member = %+v", f)
	}
	e.post(r.ID, "alice", "secret one")
	carol.quiet(100*time.Millisecond, typeMessage)

	bob := e.dial("bob", dialOpts{})
	bob.expect(typeHello)
	if err := e.svc.AddMember(bg(), e.user("alice"), r.ID, e.user("bob").ID); err != nil {
		t.Fatal(err)
	}
	added := bob.expect(typeRoomAdded)
	var mine chat.MyRoom
	if err := json.Unmarshal(added.Room, &mine); err != nil || mine.ID != r.ID || mine.Role != chat.MemberRole || mine.Visibility != chat.Private {
		t.Fatalf("room_added = %s (%v)", added.Room, err)
	}
	if s := bob.subscribe(r.ID, ptr[int64](0)); s.LastSeq != 1 {
		t.Fatalf("bob subscribed = %+v", s)
	}
	if m := bob.expect(typeMessage).msg(); m.Body != "secret one" {
		t.Fatalf("replay = %+v", m)
	}
	e.post(r.ID, "alice", "secret two")
	if m := bob.expect(typeMessage).msg(); m.Seq != 2 {
		t.Fatalf("live = %+v", m)
	}

	if _, err := e.svc.SetRole(bg(), e.user("alice"), r.ID, e.user("bob").ID, chat.Moderator); err != nil {
		t.Fatal(err)
	}
	updated := bob.expect(typeRoomUpdated)
	if err := json.Unmarshal(updated.Room, &mine); err != nil || mine.ID != r.ID || mine.Role != chat.Moderator {
		t.Fatalf("room_updated = %s (%v)", updated.Room, err)
	}
	if err := e.svc.RemoveMember(bg(), e.user("alice"), r.ID, e.user("bob").ID); err != nil {
		t.Fatal(err)
	}
	if f := bob.expect(typeRemoved); f.RoomID != r.ID {
		t.Fatalf("removed = %+v", f)
	}
	e.post(r.ID, "alice", "after bob left")
	bob.quiet(100*time.Millisecond, typeMessage)
	bob.send(M{"type": "typing", "room_id": r.ID, "ref": "t1"})
	if f := bob.expect(typeError); f.Code != codeNotSubscribed {
		t.Fatalf("typing after removal = %+v", f)
	}
	bob.send(M{"type": "subscribe", "room_id": r.ID, "ref": "s2"})
	if f := bob.expect(typeError); f.Code != chat.ENOTFOUND {
		t.Fatalf("resubscribe after removal = %+v", f)
	}
}

// Read positions reach the reader's other connections, and nobody else's.
func TestReadFramesReachOtherDevices(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.signUp("alice", "bob")
	room := e.room("general")
	e.post(room, "alice", "one")
	e.post(room, "bob", "two") // bob joins by posting
	e.post(room, "alice", "three")
	phone, laptop, alice := e.dial("bob", dialOpts{}), e.dial("bob", dialOpts{}), e.dial("alice", dialOpts{})
	for _, c := range []*client{phone, laptop, alice} {
		c.expect(typeHello)
	}
	if err := e.svc.MarkRead(bg(), e.user("bob"), room, 3); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*client{phone, laptop} {
		if f := c.expect(typeRead); f.RoomID != room || f.Seq != 3 {
			t.Fatalf("read = %+v", f)
		}
	}
	alice.quiet(100*time.Millisecond, typeRead)
	if err := e.svc.MarkRead(bg(), e.user("bob"), room, 1); err != nil { // backwards: nothing moves, nothing is sent
		t.Fatal(err)
	}
	phone.quiet(100*time.Millisecond, typeRead)
}

// A change to the room itself reaches its subscribers as room_changed,
// with the room after the change; others hear nothing, and a deleted room
// is "removed", not changed.
func TestRoomChangedFrames(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.signUp("alice", "bob", "carol") // alice, the first account, is admin
	alice := e.user("alice")
	r, err := e.svc.CreateRoom(bg(), alice, "plans", "", chat.Private)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.AddMember(bg(), alice, r.ID, e.user("bob").ID); err != nil {
		t.Fatal(err)
	}
	bob, carol := e.dial("bob", dialOpts{}), e.dial("carol", dialOpts{})
	carol.expect(typeHello)
	bob.subscribe(r.ID, nil)
	name, topic := "launch", "Tuesday"
	for _, tc := range []struct {
		what     string
		change   func() error
		name     string
		topic    string
		archived bool
	}{
		{"rename", func() error { _, err := e.svc.UpdateRoom(bg(), alice, r.ID, chat.RoomPatch{Name: &name}); return err }, "launch", "", false},
		{"topic", func() error { _, err := e.svc.UpdateRoom(bg(), alice, r.ID, chat.RoomPatch{Topic: &topic}); return err }, "launch", "Tuesday", false},
		{"archive", func() error { _, err := e.svc.SetArchived(bg(), alice, r.ID, true); return err }, "launch", "Tuesday", true},
		{"unarchive", func() error { _, err := e.svc.SetArchived(bg(), alice, r.ID, false); return err }, "launch", "Tuesday", false},
	} {
		if err := tc.change(); err != nil {
			t.Fatalf("%s: %v", tc.what, err)
		}
		var got chat.Room
		if f := bob.expect(typeRoomChanged); json.Unmarshal(f.Room, &got) != nil || got.ID != r.ID || got.Name != tc.name ||
			got.Topic != tc.topic || (got.ArchivedAt != nil) != tc.archived || got.Visibility != chat.Private {
			t.Fatalf("%s: room_changed = %s", tc.what, f.Room)
		}
	}
	carol.quiet(100*time.Millisecond, typeRoomChanged)

	if err := e.svc.DeleteRoom(bg(), alice, r.ID); err != nil {
		t.Fatal(err)
	}
	if f := bob.next(typePresence, typeTyping); f.Type != typeRemoved || f.RoomID != r.ID {
		t.Fatalf("after delete: %s frame %+v, want removed", f.Type, f)
	}
}

package chat_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/open-chat/openchat/internal/chat"
)

// failingReads makes MarkReads fail while down is set.
type failingReads struct {
	chat.Store
	down atomic.Bool
}

func (f *failingReads) MarkReads(ctx context.Context, marks []chat.ReadMark) error {
	if f.down.Load() {
		return errors.New("database down")
	}
	return f.Store.MarkReads(ctx, marks)
}

// TestPostMarksReadThroughFlush: a post is read for its author at once in
// the author's list on this instance, stored at the next flush, and kept
// for the flush after when one fails.
func TestPostMarksReadThroughFlush(t *testing.T) {
	ctx := context.Background()
	store := &failingReads{}
	svc, st, ada, bob := newWrappedService(t, func(st chat.Store) chat.Store { store.Store = st; return store })
	room, err := svc.CreateRoom(ctx, ada, "general", "", chat.Public)
	if err != nil {
		t.Fatal(err)
	}
	post := func(u chat.User, body string) {
		if _, _, err := svc.Post(ctx, u, chat.Post{RoomID: room.ID, Body: body}); err != nil {
			t.Fatal(err)
		}
	}
	post(bob, "bob joins") // seq 1: joins, read in the append
	post(ada, "one")
	post(ada, "two") // seq 3
	post(bob, "bob again")
	post(ada, "three") // seq 5
	read := func(u chat.User) (fromService, stored int64) {
		t.Helper()
		rooms, err := svc.MyRooms(ctx, u)
		if err != nil || len(rooms) != 1 {
			t.Fatalf("MyRooms = %+v, %v", rooms, err)
		}
		m, err := st.Member(ctx, room.ID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		return rooms[0].LastReadSeq, m.LastReadSeq
	}
	if got, stored := read(ada); got != 5 || stored != 0 {
		t.Fatalf("ada before the flush: service %d, stored %d; want 5, 0", got, stored)
	}
	if got, stored := read(bob); got != 4 || stored != 1 {
		t.Fatalf("bob before the flush: service %d, stored %d; want 4, 1", got, stored)
	}
	store.down.Store(true)
	if err := svc.FlushReads(ctx); err == nil {
		t.Fatal("flush with the database down succeeded")
	}
	store.down.Store(false)
	if err := svc.FlushReads(ctx); err != nil {
		t.Fatal(err)
	}
	if got, stored := read(ada); got != 5 || stored != 5 {
		t.Fatalf("ada after the flush: service %d, stored %d; want 5, 5", got, stored)
	}
	if _, stored := read(bob); stored != 4 {
		t.Fatalf("bob after the flush: stored %d, want 4", stored)
	}
}

// TestThreadReplyLeavesRoomUnread: a reply shown only in its thread does
// not mark the room read for its author (the room's newer messages are
// still unread) and is no unread message for anyone; a reply also sent to
// the room marks it read, as any post does.
func TestThreadReplyLeavesRoomUnread(t *testing.T) {
	ctx := context.Background()
	svc, _, ada, bob := newWrappedService(t, func(st chat.Store) chat.Store { return st })
	room, err := svc.CreateRoom(ctx, ada, "general", "", chat.Public)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Post(ctx, bob, chat.Post{RoomID: room.ID, Body: "a question"}); err != nil { // seq 1: bob joins
		t.Fatal(err)
	}
	if _, _, err := svc.Post(ctx, bob, chat.Post{RoomID: room.ID, Body: "and news"}); err != nil { // seq 2
		t.Fatal(err)
	}
	unread := func(u chat.User) (read, unread int64) {
		t.Helper()
		if err := svc.FlushReads(ctx); err != nil {
			t.Fatal(err)
		}
		rooms, err := svc.MyRooms(ctx, u)
		if err != nil || len(rooms) != 1 {
			t.Fatalf("MyRooms = %+v, %v", rooms, err)
		}
		return rooms[0].LastReadSeq, rooms[0].Unread
	}
	for _, tc := range []struct {
		name               string
		also               bool
		adaRead, adaUnread int64
		bobRead, bobUnread int64
	}{
		{"thread only", false, 0, 2, 2, 0},     // seq 3
		{"also to the room", true, 4, 0, 2, 1}, // seq 4
	} {
		if _, _, err := svc.Post(ctx, ada, chat.Post{RoomID: room.ID, Body: "an answer", ReplyTo: new(int64(1)), AlsoToRoom: tc.also}); err != nil {
			t.Fatal(err)
		}
		if r, u := unread(ada); r != tc.adaRead || u != tc.adaUnread {
			t.Errorf("%s: ada read %d, unread %d; want %d, %d", tc.name, r, u, tc.adaRead, tc.adaUnread)
		}
		if r, u := unread(bob); r != tc.bobRead || u != tc.bobUnread {
			t.Errorf("%s: bob read %d, unread %d; want %d, %d", tc.name, r, u, tc.bobRead, tc.bobUnread)
		}
	}
}

package chattest

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

func newUpload(t *testing.T, s chat.Store, owner chat.User, size int64, at time.Time) chat.Upload {
	t.Helper()
	id := chat.NewID()
	u := chat.Upload{ID: id, Name: "photo é.png", Size: size, ContentType: "image/png", Width: 800, Height: 600,
		UploaderID: owner.ID, Key: "files/" + id, CreatedAt: chat.NewTime(at)}
	if err := s.CreateUpload(context.Background(), u, 0); err != nil {
		t.Fatal(err)
	}
	return u
}

func testUploads(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada, bob := newUser(t, s, "ada"), newUser(t, s, "bob")
	u := newUpload(t, s, ada, 1000, time.Now())
	u2 := newUpload(t, s, ada, 234, time.Now().Add(time.Millisecond))
	got, err := s.UploadByID(ctx, u.ID)
	if err != nil || !reflect.DeepEqual(got, u) {
		t.Fatalf("UploadByID = %+v, %v; want %+v", got, err, u)
	}
	_, err = s.UploadByID(ctx, chat.NewID())
	wantCode(t, "UploadByID(unknown)", err, chat.ENOTFOUND)
	if n, err := s.UploadBytes(ctx, ada.ID); err != nil || n != 1234 {
		t.Fatalf("UploadBytes(ada) = %d, %v", n, err)
	}
	if n, err := s.UploadBytes(ctx, bob.ID); err != nil || n != 0 {
		t.Fatalf("UploadBytes(bob) = %d, %v", n, err)
	}
	for _, tt := range []struct {
		user chat.User
		want []string
	}{{ada, []string{u.ID, u2.ID}}, {bob, []string{}}} {
		got, err := s.UploadsByUser(ctx, tt.user.ID)
		ids := []string{}
		for _, g := range got {
			ids = append(ids, g.ID)
		}
		if err != nil || !reflect.DeepEqual(ids, tt.want) {
			t.Fatalf("UploadsByUser(%s) = %v, %v; want %v", tt.user.Username, ids, err, tt.want)
		}
	}
	if err := s.SetUploadThumb(ctx, u.ID, "thumbs/"+u.ID, "image/jpeg"); err != nil {
		t.Fatal(err)
	}
	got, _ = s.UploadByID(ctx, u.ID)
	if got.ThumbKey != "thumbs/"+u.ID || got.ThumbType != "image/jpeg" {
		t.Fatalf("after SetUploadThumb: %+v", got)
	}
	wantCode(t, "SetUploadThumb(unknown)", s.SetUploadThumb(ctx, chat.NewID(), "thumbs/x", "image/png"), chat.ENOTFOUND)
	if rooms, err := s.UploadRooms(ctx, u.ID); err != nil || len(rooms) != 0 {
		t.Fatalf("UploadRooms before posting = %v, %v", rooms, err)
	}
}

func testAttachments(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada := newUser(t, s, "ada")
	r1, r2 := newRoom(t, s, ada, "one"), newRoom(t, s, ada, "two")
	u1, u2 := newUpload(t, s, ada, 10, time.Now()).WithURLs(), newUpload(t, s, ada, 20, time.Now()).WithURLs()
	public := func(u chat.Upload) chat.Upload { // what a message carries
		return chat.Upload{ID: u.ID, Name: u.Name, Size: u.Size, ContentType: u.ContentType, Width: u.Width, Height: u.Height, URL: u.URL, ThumbURL: u.ThumbURL}
	}
	plain := post(t, s, r1, ada, "no files")
	if plain.Attachments == nil || len(plain.Attachments) != 0 {
		t.Fatalf("plain message attachments = %#v, want []", plain.Attachments)
	}
	for _, reply := range []bool{false, true} { // the group-commit path and the single-transaction one
		nm := chat.NewMessage{ID: chat.NewID(), RoomID: r1.ID, Author: ada.Ref(), Body: "files", Attachments: []chat.Upload{u2, u1}}
		if reply {
			nm.ReplyTo = plain.Seq
		}
		m, created, err := s.AppendMessage(ctx, nm)
		if err != nil || !created || len(m.Attachments) != 2 || m.Attachments[0].ID != u2.ID {
			t.Fatalf("AppendMessage(reply %v) = %+v, %v, %v", reply, m, created, err)
		}
	}
	msgs, err := s.Messages(ctx, r1.ID, chat.MessageQuery{Limit: 10})
	if err != nil || len(msgs) != 3 {
		t.Fatalf("Messages = %v, %v", msgs, err)
	}
	if want := []chat.Upload{public(u2), public(u1)}; !reflect.DeepEqual(msgs[1].Attachments, want) || !reflect.DeepEqual(msgs[2].Attachments, want) {
		t.Fatalf("stored attachments = %+v, want %+v", msgs[1].Attachments, want)
	}
	if len(msgs[0].Attachments) != 0 || msgs[0].Attachments == nil {
		t.Fatalf("plain message read back with %#v", msgs[0].Attachments)
	}
	postWith(t, s, r2, ada, u1)
	if rooms, err := s.UploadRooms(ctx, u1.ID); err != nil || !reflect.DeepEqual(rooms, sorted(r1.ID, r2.ID)) {
		t.Fatalf("UploadRooms = %v, %v", rooms, err)
	}
	// Deleting detaches: the tombstone has no files, and the rooms go with their last message.
	for _, seq := range []int64{2, 3} {
		d, err := s.DeleteMessage(ctx, r1.ID, seq)
		if err != nil || len(d.Attachments) != 0 {
			t.Fatalf("DeleteMessage = %+v, %v", d, err)
		}
	}
	if m, _ := s.MessageBySeq(ctx, r1.ID, 2); len(m.Attachments) != 0 || m.Attachments == nil {
		t.Fatalf("tombstone read back with %#v", m.Attachments)
	}
	if rooms, _ := s.UploadRooms(ctx, u1.ID); !reflect.DeepEqual(rooms, []string{r2.ID}) {
		t.Fatalf("UploadRooms after deletes = %v", rooms)
	}
	if rooms, _ := s.UploadRooms(ctx, u2.ID); len(rooms) != 0 {
		t.Fatalf("UploadRooms(u2) after deletes = %v", rooms)
	}
	// An upload that does not exist (swept) fails the append and stores nothing.
	ghost := chat.Upload{ID: chat.NewID(), Name: "x", ContentType: "image/png"}
	if _, _, err := s.AppendMessage(ctx, chat.NewMessage{ID: chat.NewID(), RoomID: r2.ID, Author: ada.Ref(), Body: "x", Attachments: []chat.Upload{ghost}}); err == nil {
		t.Fatal("attached an upload that does not exist")
	}
	if msgs, _ := s.Messages(ctx, r2.ID, chat.MessageQuery{Limit: 10}); len(msgs) != 1 {
		t.Fatalf("failed append left %d messages", len(msgs))
	}
}

func postWith(t *testing.T, s chat.Store, r chat.Room, author chat.User, files ...chat.Upload) chat.Message {
	t.Helper()
	m, _, err := s.AppendMessage(context.Background(), chat.NewMessage{ID: chat.NewID(), RoomID: r.ID, Author: author.Ref(), Body: "f", Attachments: files})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func testOrphanUploads(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada := newUser(t, s, "ada")
	r := newRoom(t, s, ada, "general")
	now := time.Now()
	old1, old2 := newUpload(t, s, ada, 1, now.Add(-48*time.Hour)), newUpload(t, s, ada, 1, now.Add(-30*time.Hour))
	attached := newUpload(t, s, ada, 1, now.Add(-72*time.Hour))
	newUpload(t, s, ada, 1, now) // young
	postWith(t, s, r, ada, attached)
	got, err := s.OrphanUploads(ctx, now.Add(-24*time.Hour), 10)
	if err != nil || len(got) != 2 || got[0].ID != old1.ID || got[1].ID != old2.ID {
		t.Fatalf("OrphanUploads = %+v, %v", got, err)
	}
	if got, _ := s.OrphanUploads(ctx, now.Add(-24*time.Hour), 1); len(got) != 1 {
		t.Fatalf("limit 1 gave %d", len(got))
	}
	if ok, err := s.DeleteOrphanUpload(ctx, attached.ID); err != nil || ok {
		t.Fatalf("DeleteOrphanUpload(attached) = %v, %v", ok, err)
	}
	if ok, err := s.DeleteOrphanUpload(ctx, old1.ID); err != nil || !ok {
		t.Fatalf("DeleteOrphanUpload(old1) = %v, %v", ok, err)
	}
	_, err = s.UploadByID(ctx, old1.ID)
	wantCode(t, "deleted upload", err, chat.ENOTFOUND)
	if ok, _ := s.DeleteOrphanUpload(ctx, old1.ID); ok {
		t.Fatal("deleted twice")
	}
}

// testUploadQuota races uploads against one quota: the check and the
// insert are one step, so exactly as many fit as the quota allows.
func testUploadQuota(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada, bob := newUser(t, s, "ada"), newUser(t, s, "bob")
	newUpload(t, s, bob, 900, time.Now()) // another user's files do not count
	const racers, size, quota = 8, 100, 350
	errs := make(chan error, racers)
	var wg sync.WaitGroup
	for range racers {
		wg.Go(func() {
			id := chat.NewID()
			errs <- s.CreateUpload(ctx, chat.Upload{ID: id, Name: "a.bin", Size: size, ContentType: "application/octet-stream",
				UploaderID: ada.ID, Key: "files/" + id, CreatedAt: chat.NewTime(time.Now())}, quota)
		})
	}
	wg.Wait()
	close(errs)
	stored := 0
	for err := range errs {
		switch {
		case err == nil:
			stored++
		case chat.ErrorCode(err) != chat.ETOOLARGE:
			t.Fatalf("CreateUpload over quota: %v, want %s", err, chat.ETOOLARGE)
		}
	}
	if stored != quota/size {
		t.Fatalf("%d uploads stored, want %d", stored, quota/size)
	}
	if n, err := s.UploadBytes(ctx, ada.ID); err != nil || n != int64(stored*size) {
		t.Fatalf("UploadBytes = %d, %v; want %d", n, err, stored*size)
	}
	if err := s.CreateUpload(ctx, chat.Upload{ID: chat.NewID(), Name: "b.bin", Size: 50, ContentType: "application/octet-stream",
		UploaderID: ada.ID, Key: "files/b", CreatedAt: chat.NewTime(time.Now())}, quota); err != nil {
		t.Fatalf("an upload that still fits: %v", err)
	}
}

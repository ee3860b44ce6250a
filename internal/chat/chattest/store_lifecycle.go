package chattest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// Data rights and lifecycle (issue 16): export reads, account erasure,
// and the cleanup job's deletions.

func keysOf(ms []chat.Message) []chat.MessageKey {
	out := []chat.MessageKey{}
	for _, m := range ms {
		out = append(out, chat.MessageKey{RoomID: m.RoomID, Seq: m.Seq})
	}
	return out
}

func testMessagesByAuthor(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada, bob := newUser(t, s, "ada"), newUser(t, s, "bob")
	rooms := []chat.Room{newRoom(t, s, ada, "one"), newRoom(t, s, ada, "two"), newRoom(t, s, ada, "three")}
	want := map[chat.MessageKey]string{}
	for i, r := range rooms {
		for j := range 3 {
			m := post(t, s, r, ada, "ada "+r.Name+string(rune('a'+j)))
			want[chat.MessageKey{RoomID: r.ID, Seq: m.Seq}] = m.Body
			post(t, s, r, bob, "bob")
			if i == 1 && j == 1 {
				if _, err := s.DeleteMessage(ctx, r.ID, m.Seq); err != nil {
					t.Fatal(err)
				}
				want[chat.MessageKey{RoomID: r.ID, Seq: m.Seq}] = ""
			}
		}
	}
	var after chat.MessageKey
	got := map[chat.MessageKey]string{}
	for pages := 0; ; pages++ {
		ms, err := s.MessagesByAuthor(ctx, ada.ID, after, 2)
		if err != nil || pages > 10 {
			t.Fatalf("MessagesByAuthor: %v after %d pages", err, pages)
		}
		if len(ms) == 0 {
			break
		}
		for _, m := range ms {
			k := chat.MessageKey{RoomID: m.RoomID, Seq: m.Seq}
			if m.Author.ID != ada.ID || (k.RoomID < after.RoomID || (k.RoomID == after.RoomID && k.Seq <= after.Seq)) {
				t.Fatalf("message %+v after %+v: not ada's, or out of order", k, after)
			}
			got[k], after = m.Body, k
		}
	}
	if len(got) != len(want) {
		t.Fatalf("got %d messages, want %d", len(got), len(want))
	}
	for k, body := range want {
		if b, ok := got[k]; !ok || b != body {
			t.Errorf("message %+v = %q (%v), want %q", k, b, ok, body)
		}
	}
	if ms, err := s.MessagesByAuthor(ctx, chat.NewID(), chat.MessageKey{}, 10); err != nil || len(ms) != 0 {
		t.Fatalf("MessagesByAuthor(nobody) = %v, %v", keysOf(ms), err)
	}
}

func testReactionsByUser(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada, bob := newUser(t, s, "ada"), newUser(t, s, "bob")
	r := newRoom(t, s, ada, "general")
	m1, m2 := post(t, s, r, bob, "one"), post(t, s, r, bob, "two")
	for _, x := range []struct {
		m     chat.Message
		user  chat.User
		emoji string
	}{{m1, ada, "👍"}, {m1, ada, "🎉"}, {m2, ada, "👍"}, {m1, bob, "👍"}} {
		if _, _, err := s.React(ctx, r.ID, x.m.Seq, x.user.ID, x.emoji, true); err != nil {
			t.Fatal(err)
		}
	}
	var after chat.ReactionKey
	var got []chat.UserReaction
	for range 5 {
		rs, err := s.ReactionsByUser(ctx, ada.ID, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) == 0 {
			break
		}
		got = append(got, rs...)
		after = chat.ReactionKey{MessageID: rs[len(rs)-1].MessageID, Emoji: rs[len(rs)-1].Emoji}
	}
	if len(got) != 3 {
		t.Fatalf("got %+v, want ada's 3 reactions", got)
	}
	for _, x := range got {
		if x.RoomID != r.ID || (x.Seq != m1.Seq && x.Seq != m2.Seq) || x.CreatedAt.IsZero() {
			t.Errorf("reaction %+v", x)
		}
	}
}

func testEraseUser(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada, bob := newUser(t, s, "ada"), newUser(t, s, "bob")
	r := newRoom(t, s, bob, "general")
	for _, u := range []chat.User{ada, bob} {
		if _, err := s.AddMember(ctx, r.ID, u.ID, chat.MemberRole, chat.NewTime(base)); err != nil {
			t.Fatal(err)
		}
	}
	newSession(t, s, ada, "s1", base)
	newSession(t, s, bob, "s2", base)
	mine := post(t, s, r, ada, "hello")
	post(t, s, r, bob, "@ada hi", ada) // a mention and a pending notification of ada
	pendingBatch(t, s, r, bob, ada, "@ada again")
	if _, _, err := s.React(ctx, r.ID, mine.Seq, ada.ID, "👍", true); err != nil {
		t.Fatal(err)
	}

	name := chat.DeletedUsername(ada.ID)
	ended, err := s.EraseUser(ctx, ada.ID, name, base)
	if err != nil || len(ended) != 1 || ended[0] != "hash-s1" {
		t.Fatalf("EraseUser = %v, %v; want ada's session", ended, err)
	}
	u, err := s.UserByID(ctx, ada.ID)
	if err != nil || u.Username != name || u.DisplayName != chat.DeletedDisplayName || u.Email != "" || u.PasswordHash != "" ||
		u.EmailNotifications != chat.NotifyNever {
		t.Fatalf("erased user = %+v, %v", u, err)
	}
	if _, err := s.UserByUsername(ctx, "ada"); chat.ErrorCode(err) != chat.ENOTFOUND {
		t.Fatalf("the old username still names someone: %v", err)
	}
	newUser(t, s, "ada") // the name is free
	if us, err := s.SearchUsers(ctx, chat.DeletedUsernamePrefix, 10); err != nil || len(us) != 0 {
		t.Fatalf("SearchUsers finds deleted accounts: %v, %v", us, err)
	}
	m, err := s.MessageBySeq(ctx, r.ID, mine.Seq)
	if err != nil || m.Body != "hello" || m.Author.Username != name || m.Author.DisplayName != chat.DeletedDisplayName {
		t.Fatalf("kept message = %+v, %v", m, err)
	}
	if ms, err := s.Mentions(ctx, ada.ID, 0, 10); err != nil || len(ms) != 0 {
		t.Fatalf("ada's mentions after erasure: %d, %v", len(ms), err)
	}
	if rs, err := s.ReactionsByUser(ctx, ada.ID, chat.ReactionKey{}, 10); err != nil || len(rs) != 0 {
		t.Fatalf("ada's reactions after erasure: %v, %v", rs, err)
	}
	if rooms, err := s.MyRooms(ctx, ada.ID, ""); err != nil || len(rooms) != 0 {
		t.Fatalf("ada's rooms after erasure: %d, %v", len(rooms), err)
	}
	if ss, err := s.Sessions(ctx, bob.ID, base); err != nil || len(ss) != 1 {
		t.Fatalf("bob's sessions = %d, %v", len(ss), err)
	}
	if bs, err := s.MailBatches(ctx, "", 10); err != nil || len(bs) != 0 {
		t.Fatalf("mail batches after erasure: %d, %v", len(bs), err)
	}
	if _, err := s.EraseUser(ctx, ada.ID, name, base); chat.ErrorCode(err) != chat.ENOTFOUND {
		t.Fatalf("erasing twice: %v, want not found", err)
	}
}

func testDeleteExpiredSessions(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada := newUser(t, s, "ada")
	for _, id := range []string{"a", "b", "c"} {
		newSession(t, s, ada, id, base) // each expires at base + 1 h
	}
	steps := []struct {
		now        time.Time
		limit      int
		want, left int
	}{
		{base.Add(time.Hour), 10, 0, 3}, // expiring now is not expired yet
		{base.Add(2 * time.Hour), 2, 2, 1},
		{base.Add(2 * time.Hour), 2, 1, 0},
		{base.Add(2 * time.Hour), 2, 0, 0},
	}
	for i, st := range steps {
		n, err := s.DeleteExpiredSessions(ctx, st.now, st.limit)
		if err != nil || n != int64(st.want) {
			t.Fatalf("step %d: DeleteExpiredSessions = %d, %v; want %d", i, n, err, st.want)
		}
		if ss, err := s.Sessions(ctx, ada.ID, base); err != nil || len(ss) != st.left {
			t.Fatalf("step %d: %d sessions left, %v; want %d", i, len(ss), err, st.left)
		}
	}
}

// testDeleteExpiredResets: resets go once expired (used or not), in
// batches; one still valid stays usable.
func testDeleteExpiredResets(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada := newUser(t, s, "ada")
	for i, exp := range []time.Duration{time.Hour, 2 * time.Hour} {
		r := chat.PasswordReset{ID: chat.NewID(), UserID: ada.ID, TokenHash: fmt.Sprintf("th%d", i),
			CreatedAt: chat.NewTime(base.Add(time.Duration(i) * time.Minute)), ExpiresAt: chat.NewTime(base.Add(exp))}
		if err := s.CreatePasswordReset(ctx, r, 0, nil); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		before time.Time
		want   int64
	}{
		{base.Add(time.Hour), 0}, // expiring then is not expired yet
		{base.Add(90 * time.Minute), 1},
		{base.Add(90 * time.Minute), 0},
		{base.Add(3 * time.Hour), 1},
	}
	for i, st := range steps {
		if i == 3 {
			if _, err := s.PasswordResetUser(ctx, "th1", base.Add(90*time.Minute)); err != nil {
				t.Fatalf("the valid reset after pruning: %v", err)
			}
		}
		if n, err := s.DeleteExpiredResets(ctx, st.before, 10); err != nil || n != st.want {
			t.Fatalf("step %d: DeleteExpiredResets = %d, %v; want %d", i, n, err, st.want)
		}
	}
}

func testDeleteMailHistory(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada, bob := newUser(t, s, "ada"), newUser(t, s, "bob")
	r := newRoom(t, s, bob, "general")
	now := pendingBatch(t, s, r, bob, ada, "@ada hello")
	b := claim(t, s, "w", now, 1)[0]
	if err := s.FinishBatch(ctx, b.ID, "w", chat.BatchSent, now); err != nil {
		t.Fatal(err)
	}
	post(t, s, r, bob, "@ada pending", ada) // a notification not yet in a batch
	if n, err := s.DeleteMailHistory(ctx, now.Add(-time.Hour), 10); err != nil || n != 0 {
		t.Fatalf("DeleteMailHistory(before everything) = %d, %v", n, err)
	}
	// The sent batch, its notification and the pending one.
	if n, err := s.DeleteMailHistory(ctx, now.Add(time.Hour), 10); err != nil || n != 3 {
		t.Fatalf("DeleteMailHistory = %d, %v; want 3", n, err)
	}
	if bs, err := s.MailBatches(ctx, "", 10); err != nil || len(bs) != 0 {
		t.Fatalf("batches left: %d, %v", len(bs), err)
	}
	if n, err := s.FormBatches(ctx, now.Add(time.Hour), window); err != nil || n != 0 {
		t.Fatalf("FormBatches after = %d, %v; the pending notification should be gone", n, err)
	}
	if ms, err := s.Mentions(ctx, ada.ID, 0, 10); err != nil || len(ms) != 2 {
		t.Fatalf("mentions = %d, %v; they stay with their messages", len(ms), err)
	}
}

func testClearClientIDs(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada := newUser(t, s, "ada")
	r := newRoom(t, s, ada, "general")
	send := func(clientID string) (chat.Message, bool) {
		m, created, err := s.AppendMessage(ctx, chat.NewMessage{ID: chat.NewID(), RoomID: r.ID, Author: ada.Ref(), Body: "hi", ClientID: clientID})
		if err != nil {
			t.Fatal(err)
		}
		return m, created
	}
	clear := func(before time.Time, limit int, want int64) {
		t.Helper()
		if n, err := s.ClearClientIDs(ctx, before, limit); err != nil || n != want {
			t.Fatalf("ClearClientIDs(%v, %d) = %d, %v; want %d walked", before, limit, n, err, want)
		}
	}
	first, _ := send("c1")
	send("") // no client id: walked all the same
	send("c2")
	if _, created := send("c1"); created {
		t.Fatal("a retry within the window made a new message")
	}
	clear(time.Now().Add(-time.Hour), 10, 0)
	for _, want := range []int64{1, 1, 1, 0} {
		clear(time.Now().Add(time.Hour), 1, want)
	}
	m, err := s.MessageBySeq(ctx, r.ID, first.Seq)
	if err != nil || m.ClientID != "" || m.Change != first.Change || m.Body != "hi" {
		t.Fatalf("cleared message = %+v, %v; want no client id, same change", m, err)
	}
	again, created := send("c1")
	if !created {
		t.Fatal("a client id past its window still deduplicates")
	}
	// The walk goes on from where it stopped: only the new message.
	clear(time.Now().Add(time.Hour), 10, 1)
	if m, err := s.MessageBySeq(ctx, r.ID, again.Seq); err != nil || m.ClientID != "" {
		t.Fatalf("new message after the second walk = %+v, %v; want no client id", m, err)
	}
}

func testLiveMessagesBefore(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada := newUser(t, s, "ada")
	r := newRoom(t, s, ada, "general")
	var ms []chat.Message
	for _, b := range []string{"a", "b", "c", "d"} {
		ms = append(ms, post(t, s, r, ada, b))
		// A millisecond apart: "oldest first" among messages of one
		// millisecond follows their ids, which are random within it
		// (PostgreSQL orders by (created_at, id)), and failed this test.
		time.Sleep(2 * time.Millisecond)
	}
	if _, err := s.DeleteMessage(ctx, r.ID, ms[1].Seq); err != nil {
		t.Fatal(err)
	}
	cut := ms[3].CreatedAt.Time // d is not before it; a, b, c are
	keys, err := s.LiveMessagesBefore(ctx, time.Now().Add(time.Hour), 2)
	if err != nil || len(keys) != 2 || keys[0].Seq != ms[0].Seq || keys[1].Seq != ms[2].Seq {
		t.Fatalf("LiveMessagesBefore(later, 2) = %+v, %v; want a and c, oldest first, no tombstone", keys, err)
	}
	keys, err = s.LiveMessagesBefore(ctx, ms[0].CreatedAt.Time, 10)
	if err != nil || len(keys) != 0 {
		t.Fatalf("LiveMessagesBefore(first's time) = %+v, %v; want none", keys, err)
	}
	keys, err = s.LiveMessagesBefore(ctx, cut.Add(time.Millisecond), 10)
	if err != nil || len(keys) != 3 {
		t.Fatalf("LiveMessagesBefore(after d) = %+v, %v; want a, c, d", keys, err)
	}

	// Retention drains in batches, each call going on from where the last
	// stopped (the stores keep a mark): tombstoning what each returns, as
	// the service does, visits every live message before the cut once,
	// oldest first, and never a tombstone (b, and f deleted ahead of the
	// walk); a later cut then finds what this one left, and new messages.
	for _, b := range []string{"e", "f", "g", "h"} {
		ms = append(ms, post(t, s, r, ada, b))
		time.Sleep(2 * time.Millisecond)
	}
	if _, err := s.DeleteMessage(ctx, r.ID, ms[5].Seq); err != nil {
		t.Fatal(err)
	}
	drain := func(before time.Time) []int64 {
		t.Helper()
		got := []int64{}
		for range len(ms) + 1 {
			keys, err := s.LiveMessagesBefore(ctx, before, 2)
			if err != nil {
				t.Fatal(err)
			}
			if len(keys) == 0 {
				break
			}
			// Until they are tombstoned (the service may fail to), the
			// same call returns them again.
			if again, err := s.LiveMessagesBefore(ctx, before, 2); err != nil || !slices.Equal(again, keys) {
				t.Fatalf("called again: %+v, %v; want %+v", again, err, keys)
			}
			for _, k := range keys {
				got = append(got, k.Seq)
				if _, err := s.DeleteMessage(ctx, k.RoomID, k.Seq); err != nil {
					t.Fatal(err)
				}
			}
		}
		return got
	}
	seqs := func(is ...int) []int64 {
		out := []int64{}
		for _, i := range is {
			out = append(out, ms[i].Seq)
		}
		return out
	}
	if got, want := drain(ms[7].CreatedAt.Time), seqs(0, 2, 3, 4, 6); !slices.Equal(got, want) {
		t.Fatalf("drain before h: seqs %v, want %v (a, c, d, e, g)", got, want)
	}
	ms = append(ms, post(t, s, r, ada, "i"))
	if got, want := drain(time.Now().Add(time.Hour)), seqs(7, 8); !slices.Equal(got, want) {
		t.Fatalf("drain later: seqs %v, want %v (h, i)", got, want)
	}
}

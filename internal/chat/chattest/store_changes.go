package chattest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// changesOf is "seq:change" of each message, for comparing change lists.
func changesOf(ms []chat.Message) string {
	s := ""
	for _, m := range ms {
		s += fmt.Sprintf("%d:%d ", m.Seq, m.Change)
	}
	return s
}

func testChanges(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada, bob := newUser(t, s, "ada"), newUser(t, s, "bob")
	r := newRoom(t, s, ada, "general")
	m1, m2, m3 := post(t, s, r, ada, "one"), post(t, s, r, bob, "two"), post(t, s, r, ada, "three")
	if m1.Change != 1 || m2.Change != 2 || m3.Change != 3 {
		t.Fatalf("a post takes the next change: %s", changesOf([]chat.Message{m1, m2, m3}))
	}
	edited, err := s.EditMessage(ctx, chat.MessageEdit{RoomID: r.ID, Seq: 1, Body: "one, fixed"})
	if err != nil || edited.Change != 4 || edited.Body != "one, fixed" || edited.EditedAt == nil || edited.Seq != 1 {
		t.Fatalf("EditMessage = %+v, %v", edited, err)
	}
	reacted, changed, err := s.React(ctx, r.ID, 2, ada.ID, "👍", true)
	if err != nil || !changed || reacted.Change != 5 || fmt.Sprint(reacted.Reactions) != fmt.Sprintf("[{👍 1 false [%s]}]", ada.ID) {
		t.Fatalf("React = %+v, %v, %v", reacted, changed, err)
	}
	if _, changed, err := s.React(ctx, r.ID, 2, ada.ID, "👍", true); err != nil || changed {
		t.Fatalf("React twice = %v, %v; want no change", changed, err)
	}
	if reacted, _, err = s.React(ctx, r.ID, 2, bob.ID, "👍", true); err != nil || reacted.Reactions[0].Count != 2 || reacted.Change != 6 {
		t.Fatalf("second user's reaction = %+v, %v", reacted, err)
	}
	deleted, err := s.DeleteMessage(ctx, r.ID, 3)
	if err != nil || !deleted.Deleted || deleted.Body != "" || deleted.Change != 7 || deleted.Seq != 3 || deleted.Author != ada.Ref() {
		t.Fatalf("DeleteMessage = %+v, %v", deleted, err)
	}
	if _, changed, err := s.React(ctx, r.ID, 2, ada.ID, "👍", false); err != nil || !changed {
		t.Fatalf("React remove = %v, %v", changed, err)
	}
	m4 := post(t, s, r, bob, "four")
	if m4.Seq != 4 || m4.Change != 9 {
		t.Fatalf("a post after changes: seq %d change %d, want 4 and 9", m4.Seq, m4.Change)
	}

	errs := []struct {
		name string
		err  error
		code string
	}{
		{"edit a deleted message", second(s.EditMessage(ctx, chat.MessageEdit{RoomID: r.ID, Seq: 3, Body: "x"})), chat.ENOTFOUND},
		{"delete twice", second(s.DeleteMessage(ctx, r.ID, 3)), chat.ENOTFOUND},
		{"react to a deleted message", third(s.React(ctx, r.ID, 3, bob.ID, "👍", true)), chat.ENOTFOUND},
		{"edit a missing seq", second(s.EditMessage(ctx, chat.MessageEdit{RoomID: r.ID, Seq: 99, Body: "x"})), chat.ENOTFOUND},
		{"edit in an unknown room", second(s.EditMessage(ctx, chat.MessageEdit{RoomID: chat.NewID(), Seq: 1, Body: "x"})), chat.ENOTFOUND},
		{"head of an unknown room", second(s.Head(ctx, chat.NewID())), chat.ENOTFOUND},
		{"message by a missing seq", second(s.MessageBySeq(ctx, r.ID, 99)), chat.ENOTFOUND},
	}
	for _, e := range errs {
		wantCode(t, e.name, e.err, e.code)
	}
	if h, err := s.Head(ctx, r.ID); err != nil || h.LastChange != 9 || h.LastSeq != 4 {
		t.Fatalf("Head = %+v, %v; want change 9 (failed changes take no number), seq 4", h, err)
	}
	quiet := newRoom(t, s, bob, "quiet")
	unknown := chat.NewID()
	for _, tc := range []struct {
		ids  []string
		want map[string]chat.Head
	}{
		{nil, map[string]chat.Head{}},
		{[]string{unknown}, map[string]chat.Head{}},
		{[]string{r.ID, unknown, quiet.ID}, map[string]chat.Head{r.ID: {LastSeq: 4, LastChange: 9}, quiet.ID: {}}},
	} {
		if heads, err := s.Heads(ctx, tc.ids); err != nil || fmt.Sprint(heads) != fmt.Sprint(tc.want) {
			t.Errorf("Heads(%v) = %v, %v; want %v", tc.ids, heads, err, tc.want)
		}
	}
	many := make([]string, chat.HeadsMax) // a full call: within the engine's limits
	many[0] = r.ID
	for i := 1; i < len(many); i++ {
		many[i] = chat.NewID()
	}
	if heads, err := s.Heads(ctx, many); err != nil || len(heads) != 1 || heads[r.ID].LastChange != 9 {
		t.Errorf("Heads of %d ids = %v, %v", len(many), heads, err)
	}

	// The compacted log: each message once, at its latest change.
	pages := []struct {
		after int64
		limit int
		want  string
	}{
		{0, 10, "1:4 3:7 2:8 4:9 "},
		{4, 10, "3:7 2:8 4:9 "},
		{4, 2, "3:7 2:8 "},
		{8, 10, "4:9 "},
		{9, 10, ""},
	}
	for _, p := range pages {
		ms, err := s.ChangesAfter(ctx, r.ID, p.after, p.limit)
		if err != nil || ms == nil || changesOf(ms) != p.want {
			t.Errorf("ChangesAfter(%d, %d) = %s, %v; want %s", p.after, p.limit, changesOf(ms), err, p.want)
		}
	}
	// Pages show the current forms: the edit, the tombstone, no reaction left.
	page, err := s.Messages(ctx, r.ID, chat.MessageQuery{Limit: 10})
	if err != nil || len(page) != 4 {
		t.Fatalf("page = %v, %v", page, err)
	}
	if p := page[0]; p.Body != "one, fixed" || p.EditedAt == nil || p.Deleted {
		t.Errorf("edited message in a page: %+v", p)
	}
	if p := page[1]; len(p.Reactions) != 1 || p.Reactions[0].Count != 1 || p.Reactions[0].UserIDs[0] != bob.ID {
		t.Errorf("reactions in a page: %+v", p.Reactions)
	}
	if p := page[2]; !p.Deleted || p.Body != "" || len(p.Mentions) != 0 || len(p.Reactions) != 0 {
		t.Errorf("tombstone in a page: %+v", p)
	}
	if m, err := s.MessageBySeq(ctx, r.ID, 3); err != nil || !m.Deleted {
		t.Errorf("MessageBySeq(tombstone) = %+v, %v", m, err)
	}
}

func third[T, U any](_ T, _ U, err error) error { return err }

// testChangeMentions: mentions follow edits; a deleted message's pending
// notifications go; a mention is mailed once.
func testChangeMentions(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada, bob, cy := newUser(t, s, "ada"), newUser(t, s, "bob"), newUser(t, s, "cy")
	r := newRoom(t, s, bob, "general")
	m := post(t, s, r, bob, "hi @ada", ada)
	edit := func(body string, users ...chat.User) {
		t.Helper()
		e := chat.MessageEdit{RoomID: r.ID, Seq: m.Seq, Body: body}
		for _, u := range users {
			e.Mentions, e.MentionUserIDs = append(e.Mentions, u.Username), append(e.MentionUserIDs, u.ID)
		}
		if _, err := s.EditMessage(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	mentioned := func(u chat.User) int {
		ms, err := s.Mentions(ctx, u.ID, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		return len(ms)
	}
	edit("hi @cy", cy) // ada's mention and pending notification go; cy gets both
	if mentioned(ada) != 0 || mentioned(cy) != 1 {
		t.Fatalf("after the edit: ada %d, cy %d mentions; want 0 and 1", mentioned(ada), mentioned(cy))
	}
	now := time.Now().Add(window)
	formOne(t, s, now, 1) // cy's batch only: ada's notification is gone
	b := claim(t, s, "w1", now, 1)[0]
	if b.User.ID != cy.ID || len(b.Items) != 1 || b.Items[0].Message.Body != "hi @cy" {
		t.Fatalf("batch %+v", b)
	}
	if err := s.FinishBatch(ctx, b.ID, "w1", chat.BatchSent, now); err != nil {
		t.Fatal(err)
	}
	edit("hi @cy again", cy) // cy was mailed for this message: not again
	edit("hi", nil...)
	edit("hi @cy, third time", cy)
	formOne(t, s, now.Add(2*window), 0)

	d := post(t, s, r, bob, "@ada soon gone", ada)
	if _, err := s.DeleteMessage(ctx, r.ID, d.Seq); err != nil {
		t.Fatal(err)
	}
	formOne(t, s, now.Add(3*window), 0)
	if mentioned(ada) != 0 {
		t.Fatal("a deleted message's mention is still listed")
	}

	// A batch formed before the deletion, or before an edit that dropped
	// the mention, no longer carries the message.
	g := post(t, s, r, bob, "@ada in a batch", ada)
	h := post(t, s, r, bob, "@ada, later not", ada)
	formOne(t, s, now.Add(4*window), 1)
	if _, err := s.DeleteMessage(ctx, r.ID, g.Seq); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EditMessage(ctx, chat.MessageEdit{RoomID: r.ID, Seq: h.Seq, Body: "later not"}); err != nil {
		t.Fatal(err)
	}
	if b := claim(t, s, "w1", now.Add(4*window), 1)[0]; len(b.Items) != 0 {
		t.Fatalf("a deleted or unmentioning message in a formed batch: %+v", b.Items)
	}
}

// testChangesConcurrent: concurrent posts and changes in one room take
// distinct, gapless change numbers.
func testChangesConcurrent(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada := newUser(t, s, "ada")
	r := newRoom(t, s, ada, "general")
	for range 5 {
		post(t, s, r, ada, "base")
	}
	const workers, each = 4, 10
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				var err error
				switch (w + i) % 3 {
				case 0:
					_, _, err = s.AppendMessage(ctx, chat.NewMessage{ID: chat.NewID(), RoomID: r.ID, Author: ada.Ref(), Body: "more"})
				case 1:
					_, err = s.EditMessage(ctx, chat.MessageEdit{RoomID: r.ID, Seq: int64(1 + i%5), Body: fmt.Sprintf("edit %d %d", w, i)})
				default:
					_, _, err = s.React(ctx, r.ID, int64(1+i%5), ada.ID, fmt.Sprintf(":%d:", w*each+i), true)
				}
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	h, err := s.Head(ctx, r.ID)
	last := h.LastChange
	if err != nil || last != 5+workers*each {
		t.Fatalf("Head = %+v, %v; want change %d", h, err, 5+workers*each)
	}
	ms, err := s.ChangesAfter(ctx, r.ID, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int64]bool{}
	for i, m := range ms {
		if seen[m.Change] || m.Change < 1 || m.Change > last || i > 0 && m.Change <= ms[i-1].Change {
			t.Fatalf("changes not distinct and ordered: %s", changesOf(ms))
		}
		seen[m.Change] = true
	}
	if !seen[last] {
		t.Fatalf("the last change %d is no message's: %s", last, changesOf(ms))
	}
}

// testReplies: a reply is a message of the room with reply_to; its parent
// counts it, taking the change number after the reply's; a parent that
// cannot take replies stores nothing and takes no number.
func testReplies(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada, bob := newUser(t, s, "ada"), newUser(t, s, "bob")
	r := newRoom(t, s, ada, "general")
	parent := post(t, s, r, ada, "a question")
	reply := func(to int64, body, clientID string, also bool) (chat.Message, bool, error) {
		return s.AppendMessage(ctx, chat.NewMessage{ID: chat.NewID(), RoomID: r.ID, Author: bob.Ref(), Body: body,
			ClientID: clientID, ReplyTo: to, AlsoToRoom: also})
	}
	r1, created, err := reply(parent.Seq, "an answer", "c-1", false)
	if err != nil || !created || r1.Seq != 2 || r1.ReplyTo != 1 || r1.Change != 2 || r1.AlsoToRoom {
		t.Fatalf("reply = %+v, %v, %v", r1, created, err)
	}
	if again, created, err := reply(parent.Seq, "an answer", "c-1", false); err != nil || created || again.ID != r1.ID {
		t.Fatalf("retried reply = %+v, %v, %v", again, created, err)
	}
	r2, _, err := reply(parent.Seq, "and to the room", "", true)
	if err != nil || r2.Seq != 3 || r2.Change != 4 || !r2.AlsoToRoom {
		t.Fatalf("second reply = %+v, %v", r2, err)
	}
	p, err := s.MessageBySeq(ctx, r.ID, parent.Seq)
	if err != nil || p.ReplyCount != 2 || p.LastReplyAt == nil || p.Change != 5 {
		t.Fatalf("parent = %+v, %v; want 2 replies, change 5", p, err)
	}
	gone := post(t, s, r, ada, "soon deleted")
	if _, err := s.DeleteMessage(ctx, r.ID, gone.Seq); err != nil {
		t.Fatal(err)
	}
	bad := []struct {
		name string
		to   int64
	}{{"a reply to a reply", r1.Seq}, {"a missing parent", 99}, {"a deleted parent", gone.Seq}}
	for _, b := range bad {
		_, _, err := reply(b.to, "x", "", false)
		wantCode(t, b.name, err, chat.EINVALID)
	}
	if next := post(t, s, r, ada, "after the refusals"); next.Seq != gone.Seq+1 {
		t.Fatalf("refused replies took seqs: next seq %d, want %d", next.Seq, gone.Seq+1)
	}
	pages := []struct {
		after int64
		limit int
		want  string
	}{{0, 10, "[2 3]"}, {0, 1, "[2]"}, {2, 10, "[3]"}, {3, 10, "[]"}}
	for _, pg := range pages {
		ms, err := s.Replies(ctx, r.ID, parent.Seq, pg.after, pg.limit)
		if err != nil || ms == nil || seqs(ms) != pg.want {
			t.Errorf("Replies(after %d, limit %d) = %s, %v; want %s", pg.after, pg.limit, seqs(ms), err, pg.want)
		}
	}
	page, err := s.Messages(ctx, r.ID, chat.MessageQuery{Limit: 10})
	if err != nil || len(page) != 5 || page[1].ReplyTo != 1 || page[0].ReplyCount != 2 {
		t.Fatalf("room page = %+v, %v (replies are messages of the room)", page, err)
	}

	// A member's unread count leaves out the replies shown only in their
	// thread: cy joins having read up to 5; then 6 and 9 are thread-only.
	cy := newUser(t, s, "cy")
	if _, err := s.AddMember(ctx, r.ID, cy.ID, chat.MemberRole, chat.NewTime(base)); err != nil {
		t.Fatal(err)
	}
	for _, also := range []bool{false, true} {
		if _, _, err := reply(parent.Seq, "more", "", also); err != nil {
			t.Fatal(err)
		}
	}
	post(t, s, r, ada, "to the room")
	if _, _, err := reply(parent.Seq, "last", "", false); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ read, unread int64 }{{5, 2}, {6, 2}, {7, 1}, {8, 0}} {
		if _, _, err := s.MarkRead(ctx, r.ID, cy.ID, tc.read); err != nil {
			t.Fatal(err)
		}
		if got := myRoom(t, s, cy, r.ID); got.LastSeq != 9 || got.LastReadSeq != tc.read || got.Unread != tc.unread {
			t.Errorf("read up to %d: last %d, read %d, unread %d; want 9, %d, %d", tc.read, got.LastSeq, got.LastReadSeq, got.Unread, tc.read, tc.unread)
		}
	}
}

// testChangesMixed: the compacted log of a room where posts, edits,
// reactions, deletions and replies interleave, asked from every change
// number with several limits, against each message's latest change as a
// page of the room reads it. The stores find messages written since their
// creation and messages never written in two ways (migration 0018).
func testChangesMixed(t *testing.T, s chat.Store) {
	ctx := context.Background()
	ada := newUser(t, s, "ada")
	r := newRoom(t, s, ada, "mixed")
	other := newRoom(t, s, ada, "other") // its changes must not leak in
	var seqs []int64                     // the posts', not the replies'
	for i := range 24 {
		seqs = append(seqs, post(t, s, r, ada, fmt.Sprintf("m%d", i)).Seq)
		post(t, s, other, ada, fmt.Sprintf("o%d", i))
		var err error
		switch i % 6 {
		case 1: // an edit of the post before
			_, err = s.EditMessage(ctx, chat.MessageEdit{RoomID: r.ID, Seq: seqs[i-1], Body: "edited"})
		case 2:
			_, _, err = s.React(ctx, r.ID, seqs[i-1], ada.ID, "👍", true)
		case 4:
			_, err = s.DeleteMessage(ctx, r.ID, seqs[i])
		case 5: // a reply, shown in its thread only or in the room too
			_, _, err = s.AppendMessage(ctx, chat.NewMessage{ID: chat.NewID(), RoomID: r.ID, Author: ada.Ref(), Body: "reply",
				ReplyTo: seqs[i-2], AlsoToRoom: i%4 == 1})
		}
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	checkCompactedLog(t, s, r.ID)
}

// checkCompactedLog asks the room's compacted log from every change number
// with several limits and compares it with each message's latest change
// (MessageBySeq, every seq).
func checkCompactedLog(t *testing.T, s chat.Store, roomID string) {
	t.Helper()
	ctx := context.Background()
	h, err := s.Head(ctx, roomID)
	if err != nil {
		t.Fatal(err)
	}
	var log []chat.Message // every message of the room at its latest change
	for seq := int64(1); seq <= h.LastSeq; seq++ {
		m, err := s.MessageBySeq(ctx, roomID, seq)
		if err != nil {
			t.Fatal(err)
		}
		log = append(log, m)
	}
	slices.SortFunc(log, func(a, b chat.Message) int { return cmp.Compare(a.Change, b.Change) })
	for after := int64(0); after <= h.LastChange; after++ {
		for _, limit := range []int{1, 3, 1000} {
			var want []chat.Message
			for _, m := range log {
				if m.Change > after && len(want) < limit {
					want = append(want, m)
				}
			}
			got, err := s.ChangesAfter(ctx, roomID, after, limit)
			if err != nil || changesOf(got) != changesOf(want) {
				t.Fatalf("ChangesAfter(%d, %d) = %s, %v; want %s", after, limit, changesOf(got), err, changesOf(want))
			}
		}
	}
}

package mail

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// TestBatchEmail: three mentions within the window make one e-mail that
// lists them, to the right person, with both parts, escaped HTML and an
// unsubscribe link that works.
func TestBatchEmail(t *testing.T) {
	for name, open := range map[string]func(*testing.T) chat.Store{"sqlite": sqliteStore, "postgres": postgresStore} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, open(t))
			mp := startMailpit(t)
			grace := e.user("grace", chat.NotifyAlways)
			e.user("bob", chat.NotifyAlways)
			bodies := []string{"hi @grace", "@Grace look: <script>alert(1)</script>", "last one, @grace.\nline two"}
			for _, b := range bodies {
				e.post(e.room, b)
			}
			w := e.worker(e.smtp(mp), "w1", nil)

			e.tick(w) // inside the window: nothing yet
			if n := len(mp.messages()); n != 0 {
				t.Fatalf("%d e-mails before the batch window passed", n)
			}
			e.clock.advance(DefaultBatchWindow + time.Second)
			e.tick(w)

			ms := mp.waitMessages(1)
			m := mp.message(ms[0].ID)
			if len(m.To) != 1 || m.To[0].Address != "grace@example.org" {
				t.Errorf("To = %+v", m.To)
			}
			if m.Subject != "Ada mentioned you 3 times in #general" {
				t.Errorf("Subject = %q", m.Subject)
			}
			sent := e.batches(chat.BatchSent)
			if len(sent) != 1 || len(sent[0].Items) != 3 {
				t.Fatalf("sent batches = %+v", sent)
			}
			if want := sent[0].ID + "@chat.test"; m.MessageID != want {
				t.Errorf("MessageID = %q, want %q", m.MessageID, want)
			}
			for _, b := range bodies {
				if !strings.Contains(strings.ReplaceAll(m.Text, "\r\n", "\n"), b) {
					t.Errorf("text part lacks %q:\n%s", b, m.Text)
				}
			}
			if strings.Contains(m.HTML, "<script>") || !strings.Contains(m.HTML, "&lt;script&gt;") {
				t.Errorf("HTML part does not escape user text:\n%s", m.HTML)
			}
			for _, it := range sent[0].Items {
				link := RoomLink("http://chat.test:8080", e.room.ID, it.Message.Seq)
				if !strings.Contains(m.Text, link) || !strings.Contains(m.HTML, link) {
					t.Errorf("link %s missing", link)
				}
			}
			h := mp.headers(ms[0].ID)
			if got := h["List-Unsubscribe-Post"]; len(got) != 1 || got[0] != "List-Unsubscribe=One-Click" {
				t.Errorf("List-Unsubscribe-Post = %v", got)
			}
			if len(h["List-Unsubscribe"]) != 1 {
				t.Fatalf("List-Unsubscribe = %v", h["List-Unsubscribe"])
			}
			checkUnsubscribeHeader(t, h["List-Unsubscribe"][0], grace.ID)
			if !strings.Contains(m.Text, "/api/v1/unsubscribe?") || !strings.Contains(m.HTML, "/api/v1/unsubscribe?") {
				t.Error("no visible unsubscribe link")
			}

			// The link unsubscribes: a later mention is skipped.
			u, _ := url.Parse(strings.Trim(h["List-Unsubscribe"][0], "<>"))
			if err := e.svc.Unsubscribe(context.Background(), testSecret, grace.ID, u.Query().Get("token")); err != nil {
				t.Fatal(err)
			}
			e.post(e.room, "again @grace")
			e.clock.advance(DefaultBatchWindow + time.Second)
			e.tick(w)
			if n := len(e.batches(chat.BatchSkipped)); n != 1 {
				t.Errorf("%d skipped batches after unsubscribe, want 1", n)
			}
			mp.waitMessages(1)
		})
	}
}

// failingPresence is a presence service that cannot be reached.
type failingPresence struct{ chat.Presence }

func (failingPresence) IsOnline(context.Context, string) (bool, error) {
	return false, errors.New("presence down")
}

func TestPreferences(t *testing.T) {
	e := newEnv(t, sqliteStore(t))
	tr, err := NewFileTransport(t.TempDir(), testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	users := map[string]struct {
		pref   chat.NotifyPref
		online bool
		want   chat.BatchStatus
	}{
		"always_on":   {chat.NotifyAlways, true, chat.BatchSent},
		"always_off":  {chat.NotifyAlways, false, chat.BatchSent},
		"offline_on":  {chat.NotifyOffline, true, chat.BatchSkipped},
		"offline_off": {chat.NotifyOffline, false, chat.BatchSent},
		"never_off":   {chat.NotifyNever, false, chat.BatchSkipped},
	}
	ids := map[string]string{}
	var body strings.Builder
	for name, u := range users {
		id := e.user(name, u.pref).ID
		ids[id] = name
		if u.online { // connected somewhere: RoomID "" means "at all"
			if err := e.presence.Touch(context.Background(), []chat.PresenceEntry{{UserID: id}}); err != nil {
				t.Fatal(err)
			}
		}
		body.WriteString("@" + name + " ")
	}
	e.post(e.room, body.String())
	e.clock.advance(DefaultBatchWindow + time.Second)
	e.tick(e.worker(tr, "w1", nil))

	for _, b := range e.batches("") {
		name := ids[b.User.ID]
		if want := users[name].want; b.Status != want {
			t.Errorf("%s: status %s, want %s", name, b.Status, want)
		}
	}
	if got := len(e.batches("")); got != len(users) {
		t.Errorf("%d batches, want %d", got, len(users))
	}
	if e.metrics.get(OutcomeSent) != 3 || e.metrics.get(OutcomeSkipped) != 2 {
		t.Errorf("metrics = %v", e.metrics.n)
	}

	t.Run("presence error counts as offline", func(t *testing.T) {
		e.presence = failingPresence{e.presence}
		e.post(e.room, "again @offline_on")
		e.clock.advance(DefaultBatchWindow + time.Second)
		e.tick(e.worker(tr, "w1", nil))
		if got := e.batches("")[0]; got.Status != chat.BatchSent || ids[got.User.ID] != "offline_on" {
			t.Errorf("newest batch: %s for %s, want sent to offline_on", got.Status, ids[got.User.ID])
		}
	})
}

// TestDeletedMessagesAreNotMailed: a message deleted after its batch was
// formed is not in the e-mail; a batch left empty is skipped, not sent.
func TestDeletedMessagesAreNotMailed(t *testing.T) {
	e := newEnv(t, sqliteStore(t))
	tr, err := NewFileTransport(t.TempDir(), testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	e.user("ann", chat.NotifyAlways)
	kept := e.post(e.room, "@ann this one stays")
	gone := e.post(e.room, "@ann this one goes")
	e.clock.advance(DefaultBatchWindow + time.Second)
	if n, err := e.store.FormBatches(ctx, e.clock.now(), DefaultBatchWindow); err != nil || n != 1 {
		t.Fatalf("FormBatches = %d, %v", n, err)
	}
	if _, err := e.store.DeleteMessage(ctx, e.room.ID, gone.Seq); err != nil {
		t.Fatal(err)
	}
	e.tick(e.worker(tr, "w1", nil))
	if got := e.batches(chat.BatchSent); len(got) != 1 || len(got[0].Items) != 1 || got[0].Items[0].Message.Seq != kept.Seq {
		t.Fatalf("sent batches %+v, want one with the kept message only", got)
	}

	last := e.post(e.room, "@ann soon gone too")
	e.clock.advance(DefaultBatchWindow + time.Second)
	if n, err := e.store.FormBatches(ctx, e.clock.now(), DefaultBatchWindow); err != nil || n != 1 {
		t.Fatalf("FormBatches = %d, %v", n, err)
	}
	if _, err := e.store.DeleteMessage(ctx, e.room.ID, last.Seq); err != nil {
		t.Fatal(err)
	}
	e.tick(e.worker(tr, "w1", nil))
	if got := e.batches(chat.BatchSkipped); len(got) != 1 {
		t.Fatalf("skipped batches %+v, want the emptied one", got)
	}
	if e.metrics.get(OutcomeSent) != 1 || e.metrics.get(OutcomeFailed) != 0 {
		t.Errorf("metrics = %v", e.metrics.n)
	}
}

//go:build cluster

package clustertest

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// The change stream under faults (issue 14): clients edit, delete and react
// while the conversation runs, keep a view of their room built only from
// frames, resume with after_change, and at the end each view must equal the
// server's pages.

// changeInterval is the mean time between two changes of one client.
const changeInterval = 6 * time.Second

// pageMessage is a message as the HTTP API returns it, with what the view
// compares.
type pageMessage struct {
	Seq        int64          `json:"seq"`
	Body       string         `json:"body"`
	Deleted    bool           `json:"deleted"`
	EditedAt   string         `json:"edited_at"`
	Change     int64          `json:"change"`
	ReplyTo    int64          `json:"reply_to"`
	ReplyCount int            `json:"reply_count"`
	Reactions  []pageReaction `json:"reactions"`
}

type pageReaction struct {
	Emoji   string   `json:"emoji"`
	UserIDs []string `json:"user_ids"`
}

// canonical is a message as a view holds it, comparable as a string.
func (m pageMessage) canonical() string {
	var rs []string
	for _, r := range m.Reactions {
		ids := slices.Sorted(slices.Values(r.UserIDs))
		rs = append(rs, r.Emoji+"="+strings.Join(ids, ","))
	}
	slices.Sort(rs)
	return fmt.Sprintf("%q deleted=%v edited=%v reactions=%v reply_to=%d replies=%d", m.Body, m.Deleted, m.EditedAt != "", rs, m.ReplyTo, m.ReplyCount)
}

// roomView is one client's picture of its room: seq → message.
type roomView struct {
	msgs       map[int64]pageMessage
	lastChange int64
	badOrder   int // frames whose change did not grow
}

func newRoomView() *roomView { return &roomView{msgs: map[int64]pageMessage{}} }

// apply folds one frame of the change stream into the view, as the protocol
// tells clients to.
func (v *roomView) apply(f serverFrame) {
	if f.Change <= v.lastChange {
		v.badOrder++
		return
	}
	v.lastChange = f.Change
	switch f.Type {
	case "message", "message_updated", "message_deleted": // message_deleted carries the tombstone
		var m pageMessage
		if json.Unmarshal(f.Message, &m) == nil {
			v.msgs[m.Seq] = m
		}
	case "reaction":
		m := v.msgs[f.Seq]
		m.Reactions = slices.Clone(m.Reactions)
		i := slices.IndexFunc(m.Reactions, func(r pageReaction) bool { return r.Emoji == f.Emoji })
		if i < 0 {
			m.Reactions = append(m.Reactions, pageReaction{Emoji: f.Emoji})
			i = len(m.Reactions) - 1
		}
		ids := slices.DeleteFunc(slices.Clone(m.Reactions[i].UserIDs), func(id string) bool { return id == f.UserID })
		if f.Added {
			ids = append(ids, f.UserID)
		}
		if len(ids) == 0 {
			m.Reactions = slices.Delete(m.Reactions, i, i+1)
		} else {
			m.Reactions[i].UserIDs = ids
		}
		v.msgs[f.Seq] = m
	}
}

// changer makes a client's changes over HTTP while the conversation runs:
// reactions to any message of its room, edits and deletions of its own.
func (ch *chatter) changer(ctx context.Context, stop <-chan struct{}) {
	hc := ch.c.client(ch.u.ip, 5*time.Second)
	for {
		select {
		case <-ctx.Done():
			return
		case <-stop:
			return
		case <-time.After(changeInterval/2 + rand.N(changeInterval)):
		}
		ch.mu.Lock()
		top, mine := ch.last, slices.Clone(ch.mine)
		ch.mu.Unlock()
		if top == 0 {
			continue
		}
		base := ch.c.base + "/api/v1/rooms/" + ch.room.id + "/messages/"
		var r apiResult
		switch k := rand.N(10); {
		case k < 6 || len(mine) == 0:
			emoji := []string{"👍", ":tada:", "🎉"}[rand.N(3)]
			method := "PUT"
			if rand.N(3) == 0 {
				method = "DELETE"
			}
			r = do(ctx, hc, method, fmt.Sprintf("%s%d/reactions/%s", base, 1+rand.N(top), url.PathEscape(emoji)), ch.u.token, nil)
		case k < 9:
			r = do(ctx, hc, "PATCH", fmt.Sprintf("%s%d", base, mine[rand.N(len(mine))]), ch.u.token,
				map[string]string{"body": fmt.Sprintf("edited by client %d at %s", ch.id, time.Now().Format("15:04:05.000"))})
		default:
			r = do(ctx, hc, "DELETE", fmt.Sprintf("%s%d", base, mine[rand.N(len(mine))]), ch.u.token, nil)
		}
		ch.mu.Lock()
		if r.err == nil && r.status/100 == 2 {
			ch.changes++
		}
		ch.mu.Unlock()
	}
}

// roomState reads every message of a room over HTTP, newest page first.
func (c *cluster) roomState(ctx context.Context, u *user, room string) (map[int64]pageMessage, int64, error) {
	out := map[int64]pageMessage{}
	var last int64
	before := int64(0)
	for {
		q := "?limit=100"
		if before > 0 {
			q += fmt.Sprintf("&before=%d", before)
		}
		r := do(ctx, c.client(u.ip, 10*time.Second), "GET", c.base+"/api/v1/rooms/"+room+"/messages"+q, u.token, nil)
		if r.err != nil || r.status != http.StatusOK {
			return nil, 0, fmt.Errorf("messages of %s: %v", room, r)
		}
		var page struct {
			Messages []pageMessage `json:"messages"`
			HasMore  bool          `json:"has_more"`
		}
		if err := json.Unmarshal(r.body, &page); err != nil {
			return nil, 0, err
		}
		for _, m := range page.Messages {
			out[m.Seq] = m
			last = max(last, m.Change)
		}
		if !page.HasMore || len(page.Messages) == 0 {
			return out, last, nil
		}
		before = page.Messages[0].Seq
	}
}

// viewDiffs counts the messages where the client's view differs from the
// server's, with a few examples.
func viewDiffs(v map[int64]pageMessage, server map[int64]pageMessage) (int, []string) {
	n := 0
	var ex []string
	for seq, m := range server {
		if got, ok := v[seq]; !ok || got.canonical() != m.canonical() {
			n++
			if len(ex) < 3 {
				ex = append(ex, fmt.Sprintf("seq %d: view %s, server %s", seq, v[seq].canonical(), m.canonical()))
			}
		}
	}
	for seq := range v {
		if _, ok := server[seq]; !ok {
			n++
		}
	}
	return n, ex
}

package httpapi_test

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/open-chat/openchat/internal/chat"
)

// TestMessageChanges walks who may edit, delete and react, and what pages
// show afterwards.
func TestMessageChanges(t *testing.T) {
	e := newEnv(t, nil)
	_, adaTok := e.signUp(t, "ada")
	bob, bobTok := e.signUp(t, "bob")
	_, carolTok := e.signUp(t, "carol")
	room := e.createRoomAs(t, adaTok, "team", "private")
	if rec := e.do(t, req{method: "PUT", path: "/api/v1/rooms/" + room.ID + "/members/" + bob.ID, token: adaTok}); rec.Code != 204 {
		t.Fatalf("invite: %d %s", rec.Code, rec.Body)
	}
	e.post(t, adaTok, room.ID, "one by ada")
	e.post(t, bobTok, room.ID, "two by bob")
	e.post(t, bobTok, room.ID, "three by bob")
	msg := func(seq int, rest string) string {
		return fmt.Sprintf("/api/v1/rooms/%s/messages/%d%s", room.ID, seq, rest)
	}
	react := func(seq int, emoji string) string { return msg(seq, "/reactions/"+url.PathEscape(emoji)) }
	steps := []struct {
		name         string
		token        string
		method, path string
		body         string
		status       int
		code, field  string
	}{
		{"the author edits", bobTok, "PATCH", msg(2, ""), `{"body":"two, fixed"}`, 200, "", ""},
		{"another member may not edit", adaTok, "PATCH", msg(2, ""), `{"body":"mine"}`, 403, chat.EFORBIDDEN, ""},
		{"an empty body", bobTok, "PATCH", msg(2, ""), `{"body":"  "}`, 422, chat.EINVALID, "body"},
		{"not a seq", bobTok, "PATCH", msg(0, ""), `{"body":"x"}`, 422, chat.EINVALID, "seq"},
		{"a missing message", bobTok, "PATCH", msg(99, ""), `{"body":"x"}`, 404, chat.ENOTFOUND, ""},
		{"a member may not delete another's message", bobTok, "DELETE", msg(1, ""), "", 403, chat.EFORBIDDEN, ""},
		{"the owner deletes bob's message", adaTok, "DELETE", msg(3, ""), "", 204, "", ""},
		{"deleted: gone for edits", bobTok, "PATCH", msg(3, ""), `{"body":"x"}`, 404, chat.ENOTFOUND, ""},
		{"deleted: gone for deletes", adaTok, "DELETE", msg(3, ""), "", 404, chat.ENOTFOUND, ""},
		{"deleted: gone for reactions", adaTok, "PUT", react(3, "👍"), "", 404, chat.ENOTFOUND, ""},
		{"ada reacts", adaTok, "PUT", react(2, "👍"), "", 204, "", ""},
		{"reacting again changes nothing", adaTok, "PUT", react(2, "👍"), "", 204, "", ""},
		{"bob reacts the same", bobTok, "PUT", react(2, "👍"), "", 204, "", ""},
		{"a shortcode", bobTok, "PUT", react(2, ":tada:"), "", 204, "", ""},
		{"an unknown shortcode", bobTok, "PUT", react(2, ":nope:"), "", 422, chat.EINVALID, "emoji"},
		{"not an emoji", bobTok, "PUT", react(2, "a"), "", 422, chat.EINVALID, "emoji"},
		{"two emoji", bobTok, "PUT", react(2, "👍👍"), "", 422, chat.EINVALID, "emoji"},
		{"a flag", bobTok, "PUT", react(2, "🇪🇸"), "", 204, "", ""},
		{"a skin tone", bobTok, "PUT", react(2, "👍🏽"), "", 204, "", ""},
		{"a ZWJ sequence", bobTok, "PUT", react(2, "👩‍💻"), "", 204, "", ""},
		{"bob takes one back", bobTok, "DELETE", react(2, "🇪🇸"), "", 204, "", ""},
		{"taking back twice changes nothing", bobTok, "DELETE", react(2, "🇪🇸"), "", 204, "", ""},
		{"a non-member cannot see the room", carolTok, "PUT", react(2, "👍"), "", 404, chat.ENOTFOUND, ""},
		{"the author deletes", adaTok, "DELETE", msg(1, ""), "", 204, "", ""},
	}
	for _, s := range steps {
		rec := e.do(t, req{method: s.method, path: s.path, token: s.token, body: s.body})
		if s.code != "" {
			wantError(t, rec, s.status, s.code, s.field)
		} else if rec.Code != s.status {
			t.Fatalf("%s: status %d, want %d; %s", s.name, rec.Code, s.status, rec.Body)
		}
	}
	// Pages show the current forms, and "me" is the reader's.
	for _, who := range []struct {
		token, want string
	}{
		{adaTok, "👍:2:true :tada::1:false 👍🏽:1:false 👩‍💻:1:false "},
		{bobTok, "👍:2:true :tada::1:true 👍🏽:1:true 👩‍💻:1:true "},
	} {
		p := must[page](t, e.do(t, req{method: "GET", path: "/api/v1/rooms/" + room.ID + "/messages", token: who.token}), 200)
		if len(p.Messages) != 3 {
			t.Fatalf("page: %+v", p.Messages)
		}
		one, two, three := p.Messages[0], p.Messages[1], p.Messages[2]
		if !one.Deleted || one.Body != "" || !three.Deleted || three.Author.ID != bob.ID {
			t.Errorf("tombstones: %+v / %+v", one, three)
		}
		if two.Body != "two, fixed" || two.EditedAt == nil || two.Change <= three.Change-3 {
			t.Errorf("edited: %+v", two)
		}
		got := ""
		for _, r := range two.Reactions {
			got += fmt.Sprintf("%s:%d:%v ", r.Emoji, r.Count, r.Me)
		}
		if got != who.want {
			t.Errorf("reactions %q, want %q", got, who.want)
		}
	}
}

// TestThreads: replies over HTTP, the thread page, and the refusals.
func TestThreads(t *testing.T) {
	e := newEnv(t, nil)
	_, adaTok := e.signUp(t, "ada")
	_, bobTok := e.signUp(t, "bob")
	room := e.createRoomAs(t, adaTok, "general", "public")
	e.post(t, adaTok, room.ID, "a question")
	msgs := "/api/v1/rooms/" + room.ID + "/messages"
	replies := msgs + "/1/replies"
	steps := []struct {
		name        string
		method      string
		path, body  string
		status      int
		code, field string
	}{
		{"a reply", "POST", msgs, `{"body":"an answer","reply_to":1,"client_id":"r-1"}`, 201, "", ""},
		{"the same reply again", "POST", msgs, `{"body":"an answer","reply_to":1,"client_id":"r-1"}`, 200, "", ""},
		{"a reply shown in the room too", "POST", msgs, `{"body":"for all","reply_to":1,"also_to_room":true}`, 201, "", ""},
		{"a reply to a reply", "POST", msgs, `{"body":"x","reply_to":2}`, 422, chat.EINVALID, "reply_to"},
		{"a reply to nothing", "POST", msgs, `{"body":"x","reply_to":99}`, 422, chat.EINVALID, "reply_to"},
		{"not a seq", "POST", msgs, `{"body":"x","reply_to":0}`, 422, chat.EINVALID, "reply_to"},
		{"also_to_room alone", "POST", msgs, `{"body":"x","also_to_room":true}`, 422, chat.EINVALID, "also_to_room"},
		{"the thread of a missing message", "GET", msgs + "/99/replies", "", 404, chat.ENOTFOUND, ""},
		{"threads page forward", "GET", replies + "?before=3", "", 422, chat.EINVALID, "before"},
	}
	for _, s := range steps {
		rec := e.do(t, req{method: s.method, path: s.path, token: bobTok, body: s.body})
		if s.code != "" {
			wantError(t, rec, s.status, s.code, s.field)
		} else if rec.Code != s.status {
			t.Fatalf("%s: status %d, want %d; %s", s.name, rec.Code, s.status, rec.Body)
		}
	}
	pages := []struct {
		query string
		want  string
		more  bool
	}{{"", "[2 3]", false}, {"?limit=1", "[2]", true}, {"?after=2", "[3]", false}}
	for _, p := range pages {
		got := must[page](t, e.do(t, req{method: "GET", path: replies + p.query, token: adaTok}), 200)
		var seqs []int64
		for _, m := range got.Messages {
			seqs = append(seqs, m.Seq)
		}
		if fmt.Sprint(seqs) != p.want || got.HasMore != p.more {
			t.Errorf("replies%s = %v (more %v), want %s (more %v)", p.query, seqs, got.HasMore, p.want, p.more)
		}
	}
	room1 := must[page](t, e.do(t, req{method: "GET", path: msgs, token: adaTok}), 200)
	if q := room1.Messages[0]; q.ReplyCount != 2 || q.LastReplyAt == nil {
		t.Errorf("the parent in the room's page: %+v", q)
	}
	if r := room1.Messages[2]; r.ReplyTo != 1 || !r.AlsoToRoom {
		t.Errorf("the reply in the room's page: %+v", r)
	}
}

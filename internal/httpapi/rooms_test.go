package httpapi_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/open-chat/openchat/internal/chat"
)

type page struct {
	Messages []chat.Message
	HasMore  bool `json:"has_more"`
}

func seqs(msgs []chat.Message) []int64 {
	out := make([]int64, len(msgs))
	for i, m := range msgs {
		out[i] = m.Seq
	}
	return out
}

func TestRoomsAndPagination(t *testing.T) {
	e := newEnv(t, nil)
	ada, token := e.signUp(t, "ada")
	room := e.createRoom(t, token, "general")
	if room.CreatedBy != ada.ID || room.Name != "general" {
		t.Errorf("room = %+v", room)
	}
	got := must[struct{ Room chat.Room }](t, e.do(t, req{method: "GET", path: "/api/v1/rooms/" + room.ID, token: token}), 200).Room
	if got.ID != room.ID {
		t.Errorf("GET room = %+v", got)
	}
	for i := 1; i <= 5; i++ {
		m := e.post(t, token, room.ID, fmt.Sprintf("message %d", i))
		if m.Seq != int64(i) || m.Author.Username != "ada" || m.RoomID != room.ID {
			t.Fatalf("message = %+v", m)
		}
	}
	base := "/api/v1/rooms/" + room.ID + "/messages"
	cases := []struct {
		query    string
		wantSeqs []int64
		wantMore bool
	}{
		{"", []int64{1, 2, 3, 4, 5}, false},
		{"?limit=2", []int64{4, 5}, true},
		{"?before=4&limit=2", []int64{2, 3}, true},
		{"?before=2&limit=2", []int64{1}, false},
		{"?before=1", []int64{}, false},
		{"?after=3&limit=10", []int64{4, 5}, false},
		{"?after=1&limit=2", []int64{2, 3}, true},
		{"?after=5", []int64{}, false},
		{"?limit=100", []int64{1, 2, 3, 4, 5}, false},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			p := must[page](t, e.do(t, req{method: "GET", path: base + c.query, cookie: token}), 200)
			if !slices.Equal(seqs(p.Messages), c.wantSeqs) || p.HasMore != c.wantMore {
				t.Errorf("seqs %v has_more %v, want %v %v", seqs(p.Messages), p.HasMore, c.wantSeqs, c.wantMore)
			}
		})
	}
	rooms := must[struct{ Rooms []chat.Room }](t, e.do(t, req{method: "GET", path: "/api/v1/rooms", token: token}), 200).Rooms
	if len(rooms) != 1 || rooms[0].ID != room.ID {
		t.Errorf("rooms = %+v", rooms)
	}
}

func TestPostMessageRetry(t *testing.T) {
	e := newEnv(t, nil)
	_, token := e.signUp(t, "ada")
	room := e.createRoom(t, token, "general")
	path := "/api/v1/rooms/" + room.ID + "/messages"
	body := `{"body":" hello ","client_id":"c-1"}`
	first := must[struct{ Message chat.Message }](t, e.do(t, req{method: "POST", path: path, token: token, body: body}), 201).Message
	again := must[struct{ Message chat.Message }](t, e.do(t, req{method: "POST", path: path, token: token, body: body}), 200).Message
	if first.ID != again.ID || first.Body != "hello" || first.ClientID != "c-1" {
		t.Errorf("first %+v, retry %+v", first, again)
	}
	p := must[page](t, e.do(t, req{method: "GET", path: path, token: token}), 200)
	if len(p.Messages) != 1 {
		t.Errorf("stored %d messages, want 1", len(p.Messages))
	}
}

func TestMentionsAndUserSearch(t *testing.T) {
	e := newEnv(t, nil)
	_, ada := e.signUp(t, "ada")
	_, bob := e.signUp(t, "bob")
	e.signUp(t, "bobby")
	room := e.createRoom(t, ada, "general")
	for i := 1; i <= 3; i++ {
		e.post(t, ada, room.ID, fmt.Sprintf("@bob ping %d", i))
	}
	type mentions struct {
		Mentions []chat.Mention
		HasMore  bool `json:"has_more"`
	}
	all := must[mentions](t, e.do(t, req{method: "GET", path: "/api/v1/me/mentions", token: bob}), 200)
	if len(all.Mentions) != 3 || all.HasMore || all.Mentions[0].Message.Seq != 3 || all.Mentions[0].Room.Name != "general" {
		t.Fatalf("mentions = %+v", all)
	}
	first := must[mentions](t, e.do(t, req{method: "GET", path: "/api/v1/me/mentions?limit=2", token: bob}), 200)
	if len(first.Mentions) != 2 || !first.HasMore {
		t.Fatalf("first page = %+v", first)
	}
	next := must[mentions](t, e.do(t, req{method: "GET", path: fmt.Sprintf("/api/v1/me/mentions?limit=2&before=%d", first.Mentions[1].ID), token: bob}), 200)
	if len(next.Mentions) != 1 || next.HasMore || next.Mentions[0].Message.Seq != 1 {
		t.Fatalf("next page = %+v", next)
	}
	none := must[mentions](t, e.do(t, req{method: "GET", path: "/api/v1/me/mentions", token: ada}), 200)
	if none.Mentions == nil || len(none.Mentions) != 0 {
		t.Errorf("ada's mentions = %+v, want []", none)
	}

	cases := []struct {
		query string
		want  []string
	}{
		{"?prefix=bo", []string{"bob", "bobby"}},
		{"?prefix=BO&limit=1", []string{"bob"}},
		{"?prefix=z", []string{}},
		{"", []string{"ada", "bob", "bobby"}},
	}
	for _, c := range cases {
		t.Run("users"+c.query, func(t *testing.T) {
			us := must[struct{ Users []chat.UserRef }](t, e.do(t, req{method: "GET", path: "/api/v1/users" + c.query, token: ada}), 200).Users
			var names []string
			for _, u := range us {
				names = append(names, u.Username)
			}
			if !slices.Equal(names, c.want) && !(len(names) == 0 && len(c.want) == 0) {
				t.Errorf("users = %v, want %v", names, c.want)
			}
		})
	}
}

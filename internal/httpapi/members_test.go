package httpapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/open-chat/openchat/internal/chat"
)

type myRooms struct {
	Rooms []chat.MyRoom `json:"rooms"`
}

func (e *env) createRoomAs(t *testing.T, token, name, vis string) chat.Room {
	t.Helper()
	rec := e.do(t, req{method: "POST", path: "/api/v1/rooms", token: token, body: `{"name":"` + name + `","visibility":"` + vis + `"}`})
	return must[struct{ Room chat.Room }](t, rec, http.StatusCreated).Room
}

func (e *env) myRoom(t *testing.T, token, roomID string) (chat.MyRoom, bool) {
	t.Helper()
	for _, r := range must[myRooms](t, e.do(t, req{method: "GET", path: "/api/v1/me/rooms", token: token}), 200).Rooms {
		if r.ID == roomID {
			return r, true
		}
	}
	return chat.MyRoom{}, false
}

// TestPrivateRoomIsInvisible: a non-member gets, for every route of a
// private room, exactly the answer a room that does not exist gets.
func TestPrivateRoomIsInvisible(t *testing.T) {
	e := newEnv(t, nil)
	ada, adaTok := e.signUp(t, "ada")
	bob, _ := e.signUp(t, "bob")
	carol, carolTok := e.signUp(t, "carol")
	secret := e.createRoomAs(t, adaTok, "secret", "private")
	if secret.Visibility != chat.Private || secret.CreatedBy != ada.ID {
		t.Fatalf("room = %+v", secret)
	}
	e.post(t, adaTok, secret.ID, "the plan")
	routes := []struct{ method, path, body string }{
		{"GET", "/api/v1/rooms/%s", ""},
		{"PATCH", "/api/v1/rooms/%s", `{"topic":"x"}`},
		{"GET", "/api/v1/rooms/%s/messages", ""},
		{"POST", "/api/v1/rooms/%s/messages", `{"body":"hi"}`},
		{"GET", "/api/v1/rooms/%s/members", ""},
		{"PUT", "/api/v1/rooms/%s/members/" + carol.ID, ""},
		{"PUT", "/api/v1/rooms/%s/members/" + bob.ID, ""},
		{"DELETE", "/api/v1/rooms/%s/members/" + ada.ID, ""},
		{"PATCH", "/api/v1/rooms/%s/members/" + carol.ID, `{"role":"owner"}`},
		{"PUT", "/api/v1/rooms/%s/read", `{"seq":1}`},
		{"PATCH", "/api/v1/rooms/%s/messages/1", `{"body":"mine now"}`},
		{"DELETE", "/api/v1/rooms/%s/messages/1", ""},
		{"PUT", "/api/v1/rooms/%s/messages/1/reactions/%%F0%%9F%%91%%8D", ""},
		{"DELETE", "/api/v1/rooms/%s/messages/1/reactions/%%F0%%9F%%91%%8D", ""},
		{"GET", "/api/v1/rooms/%s/messages/1/replies", ""},
		{"POST", "/api/v1/rooms/%s/messages", `{"body":"hi","reply_to":1}`},
	}
	for _, r := range routes {
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			id := http.Header{"X-Request-Id": {"same-id"}} // so the bodies compare whole
			got := e.do(t, req{method: r.method, path: fmt.Sprintf(r.path, secret.ID), token: carolTok, body: r.body, header: id})
			missing := e.do(t, req{method: r.method, path: fmt.Sprintf(r.path, chat.NewID()), token: carolTok, body: r.body, header: id})
			wantError(t, got, 404, chat.ENOTFOUND, "")
			if got.Body.String() != missing.Body.String() {
				t.Errorf("private room answers %s, a missing one %s", got.Body, missing.Body)
			}
		})
	}
	for _, tok := range []string{adaTok, carolTok} {
		dir := must[chat.RoomPage](t, e.do(t, req{method: "GET", path: "/api/v1/rooms", token: tok}), 200)
		if len(dir.Rooms) != 0 {
			t.Errorf("the directory lists %+v", dir.Rooms)
		}
	}
	if _, ok := e.myRoom(t, carolTok, secret.ID); ok {
		t.Error("carol's rooms list the private room")
	}
	if msgs := must[page](t, e.do(t, req{method: "GET", path: "/api/v1/rooms/" + secret.ID + "/messages", token: adaTok}), 200); len(msgs.Messages) != 1 {
		t.Errorf("nothing changed for the owner: %+v", msgs)
	}
}

// TestMemberRoles walks who may do what in a private room.
func TestMemberRoles(t *testing.T) {
	e := newEnv(t, nil)
	ada, adaTok := e.signUp(t, "ada")
	bob, bobTok := e.signUp(t, "bob")
	carol, carolTok := e.signUp(t, "carol")
	room := e.createRoomAs(t, adaTok, "team", "private")
	path := func(p string) string { return "/api/v1/rooms/" + room.ID + p }
	steps := []struct {
		name   string
		token  string
		method string
		path   string
		body   string
		status int
		code   string
	}{
		{"owner invites bob", adaTok, "PUT", path("/members/" + bob.ID), "", 204, ""},
		{"inviting again changes nothing", adaTok, "PUT", path("/members/" + bob.ID), "", 204, ""},
		{"an unknown user", adaTok, "PUT", path("/members/" + chat.NewID()), "", 404, chat.ENOTFOUND},
		{"a member cannot invite to a private room", bobTok, "PUT", path("/members/" + carol.ID), "", 403, chat.EFORBIDDEN},
		{"a member cannot rename", bobTok, "PATCH", path(""), `{"name":"mine"}`, 403, chat.EFORBIDDEN},
		{"a member cannot change roles", bobTok, "PATCH", path("/members/" + bob.ID), `{"role":"owner"}`, 403, chat.EFORBIDDEN},
		{"a member cannot remove the owner", bobTok, "DELETE", path("/members/" + ada.ID), "", 403, chat.EFORBIDDEN},
		{"not a role", adaTok, "PATCH", path("/members/" + bob.ID), `{"role":"king"}`, 422, chat.EINVALID},
		{"owner makes bob moderator", adaTok, "PATCH", path("/members/" + bob.ID), `{"role":"moderator"}`, 200, ""},
		{"a moderator invites", bobTok, "PUT", path("/members/" + carol.ID), "", 204, ""},
		{"a moderator renames", bobTok, "PATCH", path(""), `{"name":"team two","topic":"q3"}`, 200, ""},
		{"a moderator cannot remove the owner", bobTok, "DELETE", path("/members/" + ada.ID), "", 403, chat.EFORBIDDEN},
		{"a moderator removes a member", bobTok, "DELETE", path("/members/" + carol.ID), "", 204, ""},
		{"removed: the room is gone for carol", carolTok, "GET", path(""), "", 404, chat.ENOTFOUND},
		{"the owner cannot step down without an heir", adaTok, "PATCH", path("/members/" + ada.ID), `{"role":"member"}`, 422, chat.EINVALID},
		{"the owner leaves", adaTok, "DELETE", path("/members/" + ada.ID), "", 204, ""},
		{"leaving again changes nothing... but ada cannot see it", adaTok, "DELETE", path("/members/" + ada.ID), "", 404, chat.ENOTFOUND},
		{"bob, the moderator, now owns it", bobTok, "PATCH", path("/members/" + bob.ID), `{"role":"owner"}`, 200, ""},
	}
	for _, s := range steps {
		rec := e.do(t, req{method: s.method, path: s.path, token: s.token, body: s.body})
		if s.code != "" {
			wantError(t, rec, s.status, s.code, map[string]string{chat.EINVALID: "role"}[s.code])
		} else if rec.Code != s.status {
			t.Fatalf("%s: status %d, want %d; %s", s.name, rec.Code, s.status, rec.Body)
		}
	}
	mine, ok := e.myRoom(t, bobTok, room.ID)
	if !ok || mine.Role != chat.Owner || mine.Name != "team two" || mine.Topic != "q3" {
		t.Fatalf("bob's room = %+v, %v", mine, ok)
	}
	members := must[chat.MemberPage](t, e.do(t, req{method: "GET", path: path("/members"), token: bobTok}), 200)
	if len(members.Members) != 1 || members.Members[0].User.ID != bob.ID || members.NextCursor != "" {
		t.Fatalf("members = %+v", members)
	}
}

func TestPublicRoomsJoinAndDirectory(t *testing.T) {
	e := newEnv(t, nil)
	ada, adaTok := e.signUp(t, "ada")
	bob, bobTok := e.signUp(t, "bob")
	var rooms []chat.Room
	for _, n := range []string{"Echo", "alpha", "Delta", "charlie", "bravo"} {
		rooms = append(rooms, e.createRoom(t, adaTok, n))
	}
	var names []string
	cursor := ""
	for range 5 {
		p := must[chat.RoomPage](t, e.do(t, req{method: "GET", path: "/api/v1/rooms?limit=2&cursor=" + cursor, token: bobTok}), 200)
		for _, r := range p.Rooms {
			names = append(names, r.Name)
		}
		if cursor = p.NextCursor; cursor == "" {
			break
		}
	}
	if fmt.Sprint(names) != "[alpha bravo charlie Delta Echo]" {
		t.Fatalf("directory pages = %v", names)
	}
	q := must[chat.RoomPage](t, e.do(t, req{method: "GET", path: "/api/v1/rooms?q=LT", token: bobTok}), 200)
	if len(q.Rooms) != 1 || q.Rooms[0].Name != "Delta" {
		t.Fatalf("?q=LT = %+v", q.Rooms)
	}
	wantError(t, e.do(t, req{method: "GET", path: "/api/v1/rooms?cursor=nope", token: bobTok}), 422, chat.EINVALID, "cursor")
	wantError(t, e.do(t, req{method: "GET", path: "/api/v1/rooms?limit=101", token: bobTok}), 422, chat.EINVALID, "limit")
	wantError(t, e.do(t, req{method: "GET", path: "/api/v1/rooms?q=" + strings.Repeat("a", chat.RoomQueryMaxLen+1), token: bobTok}), 422, chat.EINVALID, "q")
	if p := must[chat.RoomPage](t, e.do(t, req{method: "GET", path: "/api/v1/rooms?q=" + strings.Repeat("a", chat.RoomQueryMaxLen), token: bobTok}), 200); len(p.Rooms) != 0 {
		t.Fatalf("a query at the limit = %+v", p.Rooms)
	}
	members := "/api/v1/rooms/" + rooms[0].ID + "/members"
	wantError(t, e.do(t, req{method: "GET", path: members + "?limit=101", token: bobTok}), 422, chat.EINVALID, "limit")
	if p := must[chat.MemberPage](t, e.do(t, req{method: "GET", path: members + "?limit=100", token: bobTok}), 200); len(p.Members) != 1 {
		t.Fatalf("members at the limit = %+v", p.Members)
	}

	// Bob reads a public room without joining, joins by posting.
	echo := rooms[0]
	e.post(t, adaTok, echo.ID, "one")
	e.post(t, adaTok, echo.ID, "@bob two")
	if _, ok := e.myRoom(t, bobTok, echo.ID); ok {
		t.Fatal("bob is a member before joining")
	}
	must[page](t, e.do(t, req{method: "GET", path: "/api/v1/rooms/" + echo.ID + "/messages", token: bobTok}), 200)
	wantError(t, e.do(t, req{method: "PUT", path: "/api/v1/rooms/" + echo.ID + "/read", token: bobTok, body: `{"seq":1}`}), 403, chat.EFORBIDDEN, "")
	wantError(t, e.do(t, req{method: "PUT", path: "/api/v1/rooms/" + echo.ID + "/members/" + ada.ID, token: bobTok}), 403, chat.EFORBIDDEN, "")
	e.post(t, bobTok, echo.ID, "hello")
	mine, ok := e.myRoom(t, bobTok, echo.ID)
	if !ok || mine.Role != chat.MemberRole || mine.LastSeq != 3 || mine.LastReadSeq != 3 || mine.Unread != 0 {
		t.Fatalf("bob after posting = %+v, %v", mine, ok)
	}
	e.post(t, adaTok, echo.ID, "@bob three")
	e.post(t, adaTok, echo.ID, "four")
	mine, _ = e.myRoom(t, bobTok, echo.ID)
	if mine.Unread != 2 || mine.UnreadMentions != 1 {
		t.Fatalf("bob's unread = %+v", mine)
	}
	for _, seq := range []int{4, 2} { // the second never moves it back
		if rec := e.do(t, req{method: "PUT", path: "/api/v1/rooms/" + echo.ID + "/read", token: bobTok, body: fmt.Sprintf(`{"seq":%d}`, seq)}); rec.Code != 204 {
			t.Fatalf("read %d: %d %s", seq, rec.Code, rec.Body)
		}
	}
	if mine, _ = e.myRoom(t, bobTok, echo.ID); mine.LastReadSeq != 4 || mine.Unread != 1 || mine.UnreadMentions != 0 {
		t.Fatalf("bob after reading = %+v", mine)
	}
	wantError(t, e.do(t, req{method: "PUT", path: "/api/v1/rooms/" + echo.ID + "/read", token: bobTok, body: `{"seq":-1}`}), 422, chat.EINVALID, "seq")
	wantError(t, e.do(t, req{method: "PUT", path: "/api/v1/rooms/" + echo.ID + "/read", token: bobTok, body: `{}`}), 422, chat.EINVALID, "seq")
	// Joining yourself is idempotent; private is no kind of room you join.
	for range 2 {
		if rec := e.do(t, req{method: "PUT", path: "/api/v1/rooms/" + rooms[1].ID + "/members/" + bob.ID, token: bobTok}); rec.Code != 204 {
			t.Fatalf("join: %d %s", rec.Code, rec.Body)
		}
	}
	wantError(t, e.do(t, req{method: "POST", path: "/api/v1/rooms", token: bobTok, body: `{"name":"x","visibility":"direct"}`}), 422, chat.EINVALID, "visibility")
	// A private room may share a public room's name; public names stay unique.
	e.createRoomAs(t, bobTok, "echo", "private")
	wantError(t, e.do(t, req{method: "POST", path: "/api/v1/rooms", token: bobTok, body: `{"name":"ECHO"}`}), 409, chat.ECONFLICT, "")
}

func TestDirectMessages(t *testing.T) {
	e := newEnv(t, nil)
	ada, adaTok := e.signUp(t, "ada")
	bob, bobTok := e.signUp(t, "bob")
	_, carolTok := e.signUp(t, "carol")
	open := func(tok string, ids ...string) *httptest.ResponseRecorder {
		return e.do(t, req{method: "POST", path: "/api/v1/dms", token: tok, body: `{"user_ids":["` + strings.Join(ids, `","`) + `"]}`})
	}
	dm := must[struct{ Room chat.Room }](t, open(adaTok, bob.ID), 201).Room
	if dm.Visibility != chat.Direct || dm.Name != "" || len(dm.Members) != 1 || dm.Members[0].ID != bob.ID {
		t.Fatalf("dm = %+v", dm)
	}
	same := must[struct{ Room chat.Room }](t, open(bobTok, ada.ID, bob.ID), 200).Room // the caller may be listed too
	if same.ID != dm.ID || same.Members[0].ID != ada.ID {
		t.Fatalf("bob's open = %+v, want room %s with ada", same, dm.ID)
	}
	e.post(t, adaTok, dm.ID, "hi bob")
	mine, ok := e.myRoom(t, bobTok, dm.ID)
	if !ok || mine.Unread != 1 || mine.UnreadMentions != 1 || len(mine.Members) != 1 || mine.Members[0].ID != ada.ID {
		t.Fatalf("bob's dm = %+v, %v", mine, ok)
	}
	wantError(t, e.do(t, req{method: "GET", path: "/api/v1/rooms/" + dm.ID + "/messages", token: carolTok}), 404, chat.ENOTFOUND, "")
	wantError(t, e.do(t, req{method: "PUT", path: "/api/v1/rooms/" + dm.ID + "/members/" + ada.ID, token: bobTok}), 403, chat.EFORBIDDEN, "")
	wantError(t, e.do(t, req{method: "PATCH", path: "/api/v1/rooms/" + dm.ID, token: bobTok, body: `{"name":"x"}`}), 403, chat.EFORBIDDEN, "")
	var nine []string
	for range 8 {
		nine = append(nine, chat.NewID())
	}
	cases := []struct {
		name   string
		ids    []string
		status int
		code   string
	}{
		{"only yourself", []string{ada.ID}, 422, chat.EINVALID},
		{"nobody", []string{}, 422, chat.EINVALID},
		{"too many", nine, 422, chat.EINVALID},
		{"an unknown user", []string{chat.NewID()}, 404, chat.ENOTFOUND},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := e.do(t, req{method: "POST", path: "/api/v1/dms", token: adaTok, body: fmt.Sprintf(`{"user_ids":%s}`, jsonList(c.ids))})
			wantError(t, rec, c.status, c.code, map[string]string{chat.EINVALID: "user_ids"}[c.code])
		})
	}
	// Bob leaves; ada opening it again brings him back with the history.
	if rec := e.do(t, req{method: "DELETE", path: "/api/v1/rooms/" + dm.ID + "/members/" + bob.ID, token: bobTok}); rec.Code != 204 {
		t.Fatalf("leave: %d %s", rec.Code, rec.Body)
	}
	wantError(t, e.do(t, req{method: "GET", path: "/api/v1/rooms/" + dm.ID, token: bobTok}), 404, chat.ENOTFOUND, "")
	must[struct{ Room chat.Room }](t, open(adaTok, bob.ID), 200)
	p := must[page](t, e.do(t, req{method: "GET", path: "/api/v1/rooms/" + dm.ID + "/messages", token: bobTok}), 200)
	if !slices.Equal(seqs(p.Messages), []int64{1}) {
		t.Fatalf("bob's history = %v", seqs(p.Messages))
	}
}

func jsonList(ids []string) string {
	if len(ids) == 0 {
		return "[]"
	}
	return `["` + strings.Join(ids, `","`) + `"]`
}

// A private room's messages mention only its members: nobody else gets a
// mention (or its e-mail) that would reveal the room.
func TestPrivateMentionsOnlyMembers(t *testing.T) {
	e := newEnv(t, nil)
	_, adaTok := e.signUp(t, "ada")
	bob, bobTok := e.signUp(t, "bob")
	_, carolTok := e.signUp(t, "carol")
	room := e.createRoomAs(t, adaTok, "secret", "private")
	if rec := e.do(t, req{method: "PUT", path: "/api/v1/rooms/" + room.ID + "/members/" + bob.ID, token: adaTok}); rec.Code != 204 {
		t.Fatalf("invite: %d", rec.Code)
	}
	m := e.post(t, adaTok, room.ID, "@carol @bob look")
	if !slices.Equal(m.Mentions, []string{"bob"}) {
		t.Fatalf("mentions = %v, want [bob]", m.Mentions)
	}
	type mentions struct{ Mentions []chat.Mention }
	if got := must[mentions](t, e.do(t, req{method: "GET", path: "/api/v1/me/mentions", token: carolTok}), 200); len(got.Mentions) != 0 {
		t.Fatalf("carol's mentions = %+v", got.Mentions)
	}
	if got := must[mentions](t, e.do(t, req{method: "GET", path: "/api/v1/me/mentions", token: bobTok}), 200); len(got.Mentions) != 1 {
		t.Fatalf("bob's mentions = %+v", got.Mentions)
	}
}

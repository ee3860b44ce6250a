package httpapi_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

type searchPage struct {
	Results    []chat.SearchResult `json:"results"`
	NextCursor string              `json:"next_cursor"`
}

func searchPath(params ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(params); i += 2 {
		v.Set(params[i], params[i+1])
	}
	return "/api/v1/search?" + v.Encode()
}

func bodies(p searchPage) []string {
	out := []string{}
	for _, r := range p.Results {
		out = append(out, r.Message.Body)
	}
	return out
}

// TestSearch: who finds what, the filters, and each bad parameter named.
func TestSearch(t *testing.T) {
	e := newEnv(t, nil)
	_, adaTok := e.signUp(t, "ada")
	bob, bobTok := e.signUp(t, "bob")
	_, carolTok := e.signUp(t, "carol")
	general := e.createRoom(t, adaTok, "general")
	secret := e.createRoomAs(t, adaTok, "secret", "private")
	dm := must[struct{ Room chat.Room }](t, e.do(t, req{method: "POST", path: "/api/v1/dms", token: adaTok,
		body: `{"user_ids":["` + bob.ID + `"]}`}), http.StatusCreated).Room
	e.post(t, adaTok, general.ID, "plan for the Canción release")
	e.post(t, bobTok, general.ID, "my plan is better")
	e.post(t, adaTok, secret.ID, "secret plan")
	e.post(t, bobTok, dm.ID, "direct plan")

	tests := []struct {
		name   string
		token  string
		path   string
		want   []string // newest first
		status int      // 200 unless set
		field  string   // for a 400
	}{
		{"member of all", adaTok, searchPath("q", "plan"), []string{"direct plan", "secret plan", "my plan is better", "plan for the Canción release"}, 0, ""},
		{"direct, not private", bobTok, searchPath("q", "plan"), []string{"direct plan", "my plan is better", "plan for the Canción release"}, 0, ""},
		{"non-member gets public only", carolTok, searchPath("q", "plan"), []string{"my plan is better", "plan for the Canción release"}, 0, ""},
		{"non-member asks in:#secret", carolTok, searchPath("q", "plan in:#secret"), []string{}, 0, ""},
		{"member asks in:#secret", adaTok, searchPath("q", "plan in:#Secret"), []string{"secret plan"}, 0, ""},
		{"non-member asks room_id of a private room", carolTok, searchPath("q", "plan", "room_id", secret.ID), nil, 404, ""},
		{"member asks room_id", adaTok, searchPath("q", "plan", "room_id", secret.ID), []string{"secret plan"}, 0, ""},
		{"unknown room_id", adaTok, searchPath("q", "plan", "room_id", chat.NewID()), nil, 404, ""},
		{"accent-insensitive", carolTok, searchPath("q", "cancion "), []string{"plan for the Canción release"}, 0, ""},
		{"from: in the query", adaTok, searchPath("q", "plan from:@bob"), []string{"direct plan", "my plan is better"}, 0, ""},
		{"from parameter", adaTok, searchPath("q", "plan", "from", "ADA"), []string{"secret plan", "plan for the Canción release"}, 0, ""},
		{"unknown author", adaTok, searchPath("q", "plan", "from", "nobody"), []string{}, 0, ""},
		{"from and from: disagree", adaTok, searchPath("q", "plan from:@bob", "from", "ada"), []string{}, 0, ""},
		{"in: and room_id agree", adaTok, searchPath("q", "plan in:#general", "room_id", general.ID), []string{"my plan is better", "plan for the Canción release"}, 0, ""},
		{"in: and room_id disagree", adaTok, searchPath("q", "plan in:#general", "room_id", secret.ID), []string{}, 0, ""},
		{"phrase", carolTok, searchPath("q", `"my plan"`), []string{"my plan is better"}, 0, ""},
		{"all words must match", carolTok, searchPath("q", "plan release"), []string{"plan for the Canción release"}, 0, ""},
		{"before the first post", adaTok, searchPath("q", "plan", "before", "2001-01-01"), []string{}, 0, ""},
		{"after a time long past", carolTok, searchPath("q", "plan", "after", "2001-01-01T00:00:00Z"), []string{"my plan is better", "plan for the Canción release"}, 0, ""},
		{"no q", adaTok, "/api/v1/search", nil, 400, "q"},
		{"q without words", adaTok, searchPath("q", "from:@ada"), nil, 400, "q"},
		{"q too long", adaTok, searchPath("q", strings.Repeat("x", 257)), nil, 400, "q"},
		{"limit 0", adaTok, searchPath("q", "plan", "limit", "0"), nil, 400, "limit"},
		{"limit 51", adaTok, searchPath("q", "plan", "limit", "51"), nil, 400, "limit"},
		{"bad cursor", adaTok, searchPath("q", "plan", "cursor", "nope"), nil, 400, "cursor"},
		{"bad before", adaTok, searchPath("q", "plan", "before", "yesterday"), nil, 400, "before"},
		{"bad after", adaTok, searchPath("q", "plan", "after", "1/2/2026"), nil, 400, "after"},
		{"signed out", "", searchPath("q", "plan"), nil, 401, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := e.do(t, req{method: "GET", path: tt.path, token: tt.token})
			switch tt.status {
			case 0:
				if got := bodies(must[searchPage](t, rec, http.StatusOK)); !slices.Equal(got, tt.want) {
					t.Fatalf("found %q, want %q", got, tt.want)
				}
			case 400:
				wantError(t, rec, 400, chat.EBADREQUEST, tt.field)
			case 404:
				wantError(t, rec, 404, chat.ENOTFOUND, "")
			default:
				if rec.Code != tt.status {
					t.Fatalf("status %d, want %d", rec.Code, tt.status)
				}
			}
		})
	}

	// A private room's id answers exactly as a room that does not exist.
	id := http.Header{"X-Request-Id": {"same-id"}}
	private := e.do(t, req{method: "GET", path: searchPath("q", "plan", "room_id", secret.ID), token: carolTok, header: id})
	missing := e.do(t, req{method: "GET", path: searchPath("q", "plan", "room_id", chat.NewID()), token: carolTok, header: id})
	if private.Body.String() != missing.Body.String() {
		t.Fatalf("private room: %s\nmissing room: %s", private.Body, missing.Body)
	}
}

// TestSearchResultShape: the room, the seq to jump to and the marked snippet.
func TestSearchResultShape(t *testing.T) {
	e := newEnv(t, nil)
	_, tok := e.signUp(t, "ada")
	room := e.createRoom(t, tok, "general")
	e.post(t, tok, room.ID, "first")
	m := e.post(t, tok, room.ID, "<b>Canción</b> & cancion")
	p := must[searchPage](t, e.do(t, req{method: "GET", path: searchPath("q", "canción "), token: tok}), http.StatusOK)
	if len(p.Results) != 1 {
		t.Fatalf("results = %+v", p.Results)
	}
	r := p.Results[0]
	if r.Room.ID != room.ID || r.Room.Name != "general" || r.Message.ID != m.ID || r.Message.Seq != 2 {
		t.Fatalf("result = %+v", r)
	}
	if want := "<b><mark>Canción</mark></b> & <mark>cancion</mark>"; r.Snippet != want {
		t.Fatalf("snippet = %q, want %q", r.Snippet, want)
	}
}

// TestSearchPaging: limit and cursor walk every result once, newest first.
func TestSearchPaging(t *testing.T) {
	e := newEnv(t, nil)
	_, tok := e.signUp(t, "ada")
	room := e.createRoom(t, tok, "general")
	var want []string
	for _, b := range []string{"note a", "note b", "note c", "note d", "note e"} {
		e.post(t, tok, room.ID, b)
		time.Sleep(2 * time.Millisecond) // distinct times: the order is checked whole
		want = append([]string{b}, want...)
	}
	var got []string
	cursor := ""
	for page := 0; ; page++ {
		p := must[searchPage](t, e.do(t, req{method: "GET", path: searchPath("q", "note", "limit", "2", "cursor", cursor), token: tok}), http.StatusOK)
		got = append(got, bodies(p)...)
		if cursor = p.NextCursor; cursor == "" || page > 5 {
			break
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("pages gave %q, want %q", got, want)
	}
	p := must[searchPage](t, e.do(t, req{method: "GET", path: searchPath("q", "note"), token: tok}), http.StatusOK)
	if len(p.Results) != 5 || p.NextCursor != "" {
		t.Fatalf("default limit page = %d results, cursor %q", len(p.Results), p.NextCursor)
	}
}

// TestSearchRateLimit: LimitSearches refuses with 429 past its quota.
func TestSearchRateLimit(t *testing.T) {
	e := newLimitedEnv(t, hourly(chat.LimitSearches, 2))
	_, tok := e.signUp(t, "ada")
	for i, want := range []int{200, 200, 429} {
		if rec := e.do(t, req{method: "GET", path: searchPath("q", "x"), token: tok}); rec.Code != want {
			t.Fatalf("search #%d: status %d, want %d", i+1, rec.Code, want)
		}
	}
}

package mail

import (
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

var testSecret = []byte("test-secret")

func testConfig() Config {
	return Config{InstanceID: "test", PublicURL: "https://chat.example.org/", From: "OpenChat <chat@example.org>", Secret: testSecret}.withDefaults()
}

func item(roomID, room, authorID, author string, seq int64, body string) chat.MentionItem {
	return chat.MentionItem{
		Room: chat.RoomRef{ID: roomID, Name: room},
		Message: chat.Message{ID: chat.NewID(), RoomID: roomID, Seq: seq, Body: body,
			Author:    chat.UserRef{ID: authorID, Username: strings.ToLower(author), DisplayName: author},
			CreatedAt: chat.NewTime(time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC))},
	}
}

// dm is an item of a direct room, which has no name.
func dm(roomID, authorID, author string, seq int64) chat.MentionItem {
	it := item(roomID, "", authorID, author, seq, "psst")
	it.Room.Visibility = chat.Direct
	return it
}

func TestSubject(t *testing.T) {
	one := []chat.MentionItem{item("r1", "general", "a", "Ada", 1, "hi")}
	same := []chat.MentionItem{item("r1", "general", "a", "Ada", 1, "x"), item("r1", "general", "a", "Ada", 2, "y")}
	two := []chat.MentionItem{item("r1", "general", "a", "Ada", 1, "x"), item("r2", "random", "a", "Ada", 1, "y"), item("r2", "random", "b", "Bob", 2, "z")}
	many := []chat.MentionItem{item("r1", "a", "a", "Ada", 1, "x"), item("r2", "b", "a", "Ada", 1, "x"),
		item("r3", "c", "a", "Ada", 1, "x"), item("r4", "d", "a", "Ada", 1, "x"), item("r5", "e", "a", "Ada", 1, "x")}
	direct := []chat.MentionItem{dm("d1", "a", "Ada", 1)}
	direct2 := []chat.MentionItem{dm("d1", "a", "Ada", 1), dm("d1", "a", "Ada", 2)}
	mixed := []chat.MentionItem{dm("d1", "a", "Ada", 1), item("r1", "general", "b", "Bob", 1, "x")}
	evil := []chat.MentionItem{item("r1", "general", "a", "Evil\r\nBcc: x@y.z", 1, "hi")}
	tests := []struct {
		name  string
		lang  chat.Language
		items []chat.MentionItem
		want  string
	}{
		{"one", chat.English, one, "Ada mentioned you in #general"},
		{"same author and room", chat.English, same, "Ada mentioned you 2 times in #general"},
		{"two rooms", chat.English, two, "3 mentions in #general and #random"},
		{"many rooms", chat.English, many, "5 mentions in #a, #b, #c and 2 more rooms"},
		{"direct", chat.English, direct, "Ada sent you a direct message"},
		{"direct twice", chat.English, direct2, "Ada sent you 2 direct messages"},
		{"direct and a room", chat.English, mixed, "2 messages for you in a direct message and #general"},
		{"newline in name", chat.English, evil, "Evil Bcc: x@y.z mentioned you in #general"},
		{"una", chat.Spanish, one, "Ada te mencionó en #general"},
		{"mismo autor y sala", chat.Spanish, same, "Ada te mencionó 2 veces en #general"},
		{"dos salas", chat.Spanish, two, "3 menciones en #general y #random"},
		{"muchas salas", chat.Spanish, many, "5 menciones en #a, #b, #c y 2 salas más"},
		{"directo", chat.Spanish, direct, "Ada te envió un mensaje directo"},
		{"directo dos veces", chat.Spanish, direct2, "Ada te envió 2 mensajes directos"},
		{"directo y una sala", chat.Spanish, mixed, "2 mensajes para ti en un mensaje directo y #general"},
		{"unknown language: English", chat.Language("xx"), one, "Ada mentioned you in #general"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := catalogOf(tt.lang)
			if got := c.subject(tt.items); got != tt.want {
				t.Errorf("subject = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestCatalogsComplete: every language has every wording and its
// templates, and Spanish times read in Spanish.
func TestCatalogsComplete(t *testing.T) {
	tm, err := parseTemplates()
	if err != nil {
		t.Fatal(err)
	}
	for lang, c := range catalogs {
		for _, s := range []string{c.directMessage, c.mentionedIn, c.directMessages, c.mentionedTimes, c.messagesFor, c.mentions,
			c.aDirectMessage, c.and, c.moreRooms, c.verifySubject} {
			if s == "" {
				t.Errorf("%s: a wording is missing: %+v", lang, c)
			}
		}
		if set := tm.sets[lang]; set.text == nil || set.html == nil || set.verifyText == nil || set.verifyHTML == nil {
			t.Errorf("%s: templates missing", lang)
		}
	}
	at := time.Date(2025, 3, 4, 5, 6, 0, 0, time.UTC)
	for lang, want := range map[chat.Language]string{chat.English: "Tue 4 Mar 2025, 05:06 UTC", chat.Spanish: "mar 4 mar 2025, 05:06 UTC"} {
		if got := catalogs[lang].when(at); got != want {
			t.Errorf("%s: when = %q, want %q", lang, got, want)
		}
	}
}

// TestRenderedMIME parses the e-mail with the standard library only, so it
// checks the wire format and not go-mail's view of it.
func TestRenderedMIME(t *testing.T) {
	tm, err := parseTemplates()
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	user := chat.User{ID: "u-1", Username: "grace", DisplayName: "Grace", Email: "grace@example.org"}
	body := "look: <script>alert(1)</script> & \"quotes\"\nsecond line"
	b := chat.MailBatch{ID: "batch-1", User: user, Items: []chat.MentionItem{
		item("room-1", "general", "a", "Ada", 7, body),
		item("room-2", "random", "b", "Bob", 3, "ping @grace"),
	}}
	e, err := tm.render(cfg, b, time.Date(2025, 3, 4, 6, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := e.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	h := msg.Header
	dec := new(mime.WordDecoder)
	subject, _ := dec.DecodeHeader(h.Get("Subject"))
	for k, want := range map[string]string{
		"Message-Id":            "<batch-1@chat.example.org>",
		"To":                    "<grace@example.org>",
		"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		"Auto-Submitted":        "auto-generated",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if subject != "2 mentions in #general and #random" {
		t.Errorf("Subject = %q", subject)
	}
	if from, err := mail.ParseAddress(h.Get("From")); err != nil || from.Address != "chat@example.org" {
		t.Errorf("From = %q (%v)", h.Get("From"), err)
	}
	checkUnsubscribeHeader(t, h.Get("List-Unsubscribe"), user.ID)

	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type = %q (%v)", h.Get("Content-Type"), err)
	}
	parts := map[string]string{}
	r := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := r.NextPart() // decodes quoted-printable
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		b, _ := io.ReadAll(p)
		parts[ct] = strings.ReplaceAll(string(b), "\r\n", "\n")
	}
	text, html := parts["text/plain"], parts["text/html"]
	if text == "" || html == "" {
		t.Fatalf("want text/plain and text/html parts, got %v", len(parts))
	}
	for _, want := range []string{body, "ping @grace", "#general", "Ada", "Tue 4 Mar 2025, 05:06 UTC",
		"https://chat.example.org/rooms/room-1#seq-7", "https://chat.example.org/rooms/room-2#seq-3", "/api/v1/unsubscribe?"} {
		if !strings.Contains(text, want) {
			t.Errorf("text part lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(html, "<script>") {
		t.Errorf("html part holds unescaped user text:\n%s", html)
	}
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", `href="https://chat.example.org/rooms/room-1#seq-7"`, "/api/v1/unsubscribe?"} {
		if !strings.Contains(html, want) {
			t.Errorf("html part lacks %q:\n%s", want, html)
		}
	}
}

// checkUnsubscribeHeader checks a List-Unsubscribe value: one https URL in
// angle brackets whose token verifies for userID.
func checkUnsubscribeHeader(t *testing.T, v, userID string) {
	t.Helper()
	if !strings.HasPrefix(v, "<") || !strings.HasSuffix(v, ">") {
		t.Fatalf("List-Unsubscribe = %q, want <url>", v)
	}
	u, err := url.Parse(v[1 : len(v)-1])
	if err != nil {
		t.Fatal(err)
	}
	if u.Path != "/api/v1/unsubscribe" || u.Query().Get("user") != userID {
		t.Errorf("unsubscribe URL = %s", u)
	}
	if !chat.CheckUnsubscribeToken(testSecret, userID, u.Query().Get("token")) {
		t.Errorf("unsubscribe token does not verify: %s", u)
	}
}

func TestBackoff(t *testing.T) {
	base, ceiling := 30*time.Second, time.Hour
	tests := []struct {
		attempt int
		full    time.Duration // before jitter
	}{{0, 30 * time.Second}, {1, 30 * time.Second}, {2, time.Minute}, {4, 4 * time.Minute}, {8, time.Hour}, {100, time.Hour}}
	for _, tt := range tests {
		for range 20 {
			d := Backoff(tt.attempt, base, ceiling)
			if d < tt.full/2 || d > tt.full {
				t.Errorf("Backoff(%d) = %s, want in [%s, %s]", tt.attempt, d, tt.full/2, tt.full)
			}
		}
	}
}

func TestConfigValidate(t *testing.T) {
	good := Config{PublicURL: "https://chat.example.org", From: "chat@example.org", Secret: testSecret}
	if err := good.Validate(); err != nil {
		t.Fatalf("good config: %v", err)
	}
	tests := map[string]func(*Config){
		"bad from":        func(c *Config) { c.From = "not an address" },
		"no public url":   func(c *Config) { c.PublicURL = "" },
		"relative url":    func(c *Config) { c.PublicURL = "/chat" },
		"no secret":       func(c *Config) { c.Secret = nil },
		"timeout > lease": func(c *Config) { c.Lease, c.SendTimeout = time.Minute, time.Minute },
	}
	for name, change := range tests {
		t.Run(name, func(t *testing.T) {
			c := good
			change(&c)
			if c.Validate() == nil {
				t.Error("want an error")
			}
		})
	}
}

package chat

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// messageJSON must write exactly what json.Marshal writes: clients, caches
// and tests compare the bytes.
func TestMessageJSONIsMarshal(t *testing.T) {
	at := NewTime(time.Date(2026, 12, 4, 23, 59, 59, 123_000_000, time.UTC))
	edited, last := NewTime(at.Add(time.Minute)), NewTime(at.Add(time.Hour))
	base := func() Message {
		return Message{ID: NewID(), RoomID: NewID(), Seq: 42, Author: UserRef{ID: NewID(), Username: "ada", DisplayName: "Ada L."},
			Body: "hello", CreatedAt: at, Mentions: []string{}, Change: 43, Reactions: []Reaction{}, Attachments: []Upload{}}
	}
	tests := []struct {
		name string
		edit func(*Message)
	}{
		{"plain", func(*Message) {}},
		{"zero", func(m *Message) { *m = Message{} }},
		{"nil slices", func(m *Message) { m.Mentions, m.Reactions, m.Attachments = nil, nil, nil }},
		{"client id", func(m *Message) { m.ClientID = "c-1" }},
		{"mentions", func(m *Message) { m.Mentions = []string{"bob", "zoë"} }},
		{"edited", func(m *Message) { m.EditedAt = &edited }},
		{"deleted", func(m *Message) { m.Deleted, m.Body = true, "" }},
		{"reactions", func(m *Message) {
			m.Reactions = []Reaction{{Emoji: "👍", Count: 2, Me: true, UserIDs: []string{"a", "b"}}, {Emoji: "🎉", Count: 1}, {Emoji: "x", UserIDs: []string{}}}
		}},
		{"reply", func(m *Message) { m.ReplyTo, m.AlsoToRoom = 7, true }},
		{"replied to", func(m *Message) { m.ReplyCount, m.LastReplyAt = 3, &last }},
		{"negative numbers", func(m *Message) { m.Seq, m.Change, m.ReplyTo, m.ReplyCount = -1, -2, -3, -4 }},
		{"attachments", func(m *Message) {
			m.Attachments = []Upload{{ID: "u1", Name: "a <b>.png", Size: 1 << 40, ContentType: "image/png", Width: 640, Height: 480,
				URL: "/api/v1/uploads/u1?sig=a&exp=1", ThumbURL: "/t?x=1&y=2", UploaderID: "hidden", Key: "k", ThumbKey: "tk", ThumbType: "image/jpeg", CreatedAt: at}, {}}
		}},
		{"html and quotes", func(m *Message) { m.Body = `<script>alert("x&y")</script> \ 'q'` }},
		{"control characters", func(m *Message) { m.Body = "a\x00b\x01\b\f\n\r\t\x1f\x7f" }},
		{"separators", func(m *Message) { m.Body = "line\u2028para\u2029end \u2027\u202a" }},
		{"invalid utf-8", func(m *Message) { m.Body, m.Author.DisplayName = "a\xffb\xc3", "\xed\xa0\x80z" }},
		{"non-ascii", func(m *Message) { m.Body, m.Author.Username = "Canción ☃ 𝄞 日本語", "zoë" }},
		{"far years", func(m *Message) {
			y0, y9999, y10000 := NewTime(time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)), NewTime(time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC)), NewTime(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))
			m.CreatedAt, m.EditedAt, m.LastReplyAt = y0, &y9999, &y10000
		}},
		{"before year 0", func(m *Message) { m.CreatedAt = NewTime(time.Date(-1, 6, 1, 0, 0, 0, 0, time.UTC)) }},
		{"local time", func(m *Message) {
			m.CreatedAt = Time{time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, time.FixedZone("x", 3600))}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := base()
			tt.edit(&m)
			checkMessageJSON(t, m)
		})
	}
}

// TestMessageJSONEveryField sets every field of a Message, down to its
// reactions and attachments, by reflection: a field added to Message that
// messageJSON does not write fails here, set or not in the table above.
func TestMessageJSONEveryField(t *testing.T) {
	var m Message
	fillFields(t, reflect.ValueOf(&m).Elem())
	checkMessageJSON(t, m)
}

// fillFields sets every settable field under v to a value that is not its
// zero (a Time to a fixed instant, a slice to one filled element).
func fillFields(t *testing.T, v reflect.Value) {
	t.Helper()
	if v.Type() == reflect.TypeFor[Time]() {
		v.Set(reflect.ValueOf(NewTime(time.Date(2026, 12, 5, 1, 2, 3, 4e6, time.UTC))))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString("x<&>\u2028")
	case reflect.Int, reflect.Int64:
		v.SetInt(7)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fillFields(t, v.Elem())
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fillFields(t, v.Index(0))
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fillFields(t, v.Field(i))
			}
		}
	default:
		t.Fatalf("fillFields: a %s field: teach it", v.Type())
	}
}

// TestAppendJSONTime: the digit-by-digit layout is AppendFormat's.
func TestAppendJSONTime(t *testing.T) {
	times := []time.Time{{}, time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.FixedZone("east", 5*3600+1800))}
	r := rand.New(rand.NewPCG(1, 2))
	for range 10_000 {
		times = append(times, time.Unix(r.Int64N(400*365*86400)-100*365*86400, r.Int64N(1e9)))
	}
	for _, tt := range times {
		want := `"` + tt.UTC().Format(TimeLayout) + `"`
		if got := string(appendJSONTime(nil, Time{tt})); got != want {
			t.Fatalf("%v: %s, want %s", tt, got, want)
		}
	}
}

func checkMessageJSON(t *testing.T, m Message) {
	t.Helper()
	want, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if got := messageJSON(&m); !bytes.Equal(got, want) {
		t.Fatalf("messageJSON:\n got %s\nwant %s", got, want)
	}
}

func FuzzMessageJSON(f *testing.F) {
	for _, s := range []string{"", "hello", `<a href="x">&amp;</a>`, "\x00\x1f\u2028\xff", "Canción 𝄞"} {
		f.Add(s, s, int64(1), true)
	}
	f.Fuzz(func(t *testing.T, body, name string, n int64, flag bool) {
		m := Message{ID: name, RoomID: body, Seq: n, Author: UserRef{ID: body, Username: name, DisplayName: body + name},
			Body: body, ClientID: name, Mentions: []string{name, body}, Change: -n, Deleted: flag, AlsoToRoom: !flag, ReplyTo: n / 2,
			Reactions: []Reaction{{Emoji: name, Count: int(n), Me: flag, UserIDs: []string{body}}}}
		if flag {
			m.Attachments = []Upload{{ID: body, Name: name, URL: body, ThumbURL: name, Size: n}}
		}
		checkMessageJSON(t, m)
	})
}

func BenchmarkMessageJSON(b *testing.B) {
	m := Message{ID: NewID(), RoomID: NewID(), Seq: 123456, Author: UserRef{ID: NewID(), Username: "ada", DisplayName: "Ada Lovelace"},
		Body: "The analytical engine weaves algebraic patterns, as the Jacquard loom weaves flowers & leaves.", ClientID: "c-123456",
		CreatedAt: NewTime(time.Now()), Mentions: []string{}, Change: 123460, Reactions: []Reaction{}, Attachments: []Upload{}}
	b.Run("json.Marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("messageJSON", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = messageJSON(&m)
		}
	})
}

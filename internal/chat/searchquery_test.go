package chat_test

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/open-chat/openchat/internal/chat"
)

func TestParseSearch(t *testing.T) {
	type q = chat.SearchQuery
	tests := []struct {
		in   string
		want q
		err  string // field of the EBADREQUEST error, "" for none
	}{
		{in: "hello", want: q{Words: []string{"hello"}, Prefix: true}},
		{in: "hello ", want: q{Words: []string{"hello"}}},
		{in: "  Hello   World", want: q{Words: []string{"hello", "world"}, Prefix: true}},
		{in: "Canción", want: q{Words: []string{"cancion"}, Prefix: true}},
		{in: "cancio\u0301n", want: q{Words: []string{"cancion"}, Prefix: true}}, // decomposed accent
		{in: "ÉTÉ chaud", want: q{Words: []string{"ete", "chaud"}, Prefix: true}},
		{in: "a", want: q{Words: []string{"a"}}}, // too short to be a prefix
		{in: `"exact Phrase"`, want: q{Phrases: [][]string{{"exact", "phrase"}}}},
		{in: `lunch "next week" plans`, want: q{Words: []string{"lunch", "plans"}, Phrases: [][]string{{"next", "week"}}, Prefix: true}},
		{in: `plans "next week"`, want: q{Words: []string{"plans"}, Phrases: [][]string{{"next", "week"}}}},
		{in: `"unterminated phrase`, want: q{Phrases: [][]string{{"unterminated", "phrase"}}}},
		{in: "e-mail", want: q{Phrases: [][]string{{"e", "mail"}}}},
		{in: "¿qué?", want: q{Words: []string{"que"}, Prefix: true}},
		{in: "from:@Ada deploy", want: q{Words: []string{"deploy"}, From: "Ada", Prefix: true}},
		{in: "deploy from:bob", want: q{Words: []string{"deploy"}, From: "bob"}},
		{in: "FROM:@bob x", want: q{Words: []string{"x"}, From: "bob"}},
		{in: "in:#general deploy", want: q{Words: []string{"deploy"}, In: "general", Prefix: true}},
		{in: `in:"Team chat" deploy`, want: q{Words: []string{"deploy"}, In: "Team chat", Prefix: true}},
		{in: "in:#a in:#a x", want: q{Words: []string{"x"}, In: "a"}},
		{in: "🎉 party", want: q{Words: []string{"party"}, Prefix: true}},
		{in: "", err: "q"},
		{in: "   ", err: "q"},
		{in: "!!! ...", err: "q"},
		{in: "from:@ada", err: "q"},
		{in: "from: x", err: "q"},
		{in: "in:#a in:#b x", err: "q"},
		{in: "from:a from:b x", err: "q"},
		{in: "a\x00b", err: "q"},
		{in: "line\nbreak", err: "q"},
		{in: strings.Repeat("x", chat.SearchQueryMaxLen+1), err: "q"},
		{in: strings.Repeat("w ", chat.SearchMaxTerms+1), err: "q"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := chat.ParseSearch(tt.in)
			if tt.err != "" {
				if chat.ErrorCode(err) != chat.EBADREQUEST || chat.ErrorField(err) != tt.err {
					t.Fatalf("ParseSearch(%q) = %+v, %v; want a bad_request naming %s", tt.in, got, err, tt.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseSearch(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Canción": "cancion", "cancion": "cancion", "ÉTÉ": "ete", "Ñandú": "nandu", "naïve": "naive",
		"Ærø": "ærø", "東京": "東京", "ΆΡΗΣ": "αρησ",
	} {
		if got := chat.Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzParseSearch: any input either parses into words the stores can use
// (non-empty folded tokens within the limits) or is a bad_request naming q.
func FuzzParseSearch(f *testing.F) {
	for _, s := range []string{"hello", `"a b" c`, "from:@ada in:#x y", "in:\"a b", "é", "\"", "from:", "a-b-c d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := chat.ParseSearch(s)
		if err != nil {
			if chat.ErrorCode(err) != chat.EBADREQUEST || chat.ErrorField(err) != "q" {
				t.Fatalf("ParseSearch(%q): %v", s, err)
			}
			return
		}
		if !utf8.ValidString(s) || q.Empty() {
			t.Fatalf("ParseSearch(%q) accepted %+v", s, q)
		}
		n := len(q.Words)
		for _, p := range q.Phrases {
			n += len(p)
			if len(p) == 0 {
				t.Fatalf("ParseSearch(%q): empty phrase", s)
			}
		}
		if n > chat.SearchMaxTerms {
			t.Fatalf("ParseSearch(%q): %d terms", s, n)
		}
		for _, p := range append(q.Phrases, q.Words) {
			for _, w := range p {
				if w == "" || chat.Fold(w) != w || len(chat.SearchTokens(w)) != 1 {
					t.Fatalf("ParseSearch(%q): word %q is not one folded token", s, w)
				}
			}
		}
		_ = chat.Snippet(s, q) // must not panic on any text
	})
}

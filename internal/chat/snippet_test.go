package chat_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/open-chat/openchat/internal/chat"
)

func TestSnippet(t *testing.T) {
	long := strings.Repeat("filler words here ", 30) // 540 runes
	tests := []struct {
		name, body, q, want string
	}{
		{"word", "Deploy at noon", "deploy ", "<mark>Deploy</mark> at noon"},
		{"every occurrence", "go go gone", "go ", "<mark>go</mark> <mark>go</mark> gone"},
		{"prefix", "go go gone", "gon", "go go <mark>gone</mark>"},
		{"accents both ways", "Una canción y una cancion", "CANCIÓN ", "Una <mark>canción</mark> y una <mark>cancion</mark>"},
		{"phrase only in order", "next week, not week next", `"next week"`, "<mark>next</mark> <mark>week</mark>, not week next"},
		{"html is left alone", "<b>bold</b> move", "bold ", "<b><mark>bold</mark></b> move"},
		{"no match", "nothing", "zzz ", "nothing"},
		{"cut around the match", long + "the needle is here " + long, "needle ",
			"…filler words here filler words here the <mark>needle</mark> is here " + strings.TrimSpace(strings.Repeat("filler words here ", 8)) + "…"},
		{"cut at the start", "needle " + long, "needle ", "<mark>needle</mark> " + strings.TrimSpace(strings.Repeat("filler words here ", 10)) + " filler words…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := chat.ParseSearch(tt.q)
			if err != nil {
				t.Fatal(err)
			}
			got := chat.Snippet(tt.body, q)
			if got != tt.want {
				t.Fatalf("Snippet =\n%q\nwant\n%q", got, tt.want)
			}
			text := strings.NewReplacer(chat.MarkOpen, "", chat.MarkClose, "", "…", "").Replace(got)
			if utf8.RuneCountInString(text) > chat.SnippetMaxRunes {
				t.Fatalf("snippet has %d runes of text", utf8.RuneCountInString(text))
			}
		})
	}
}

package chat

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseMentions(t *testing.T) {
	tests := []struct {
		name, body string
		want       []string
	}{
		{"plain", "hi @ada", []string{"ada"}},
		{"start", "@ada hi", []string{"ada"}},
		{"case folded", "@Ada and @ADA", []string{"ada"}},
		{"many in order", "@bob, @ada: @carl", []string{"bob", "ada", "carl"}},
		{"sentence end", "thanks @ada.", []string{"ada"}},
		{"dots inside", "ping @ada.lovelace!", []string{"ada.lovelace"}},
		{"trailing hyphen", "@ada- no", []string{"ada"}},
		{"email address", "write to ada@example.org", nil},
		{"email then mention", "ada@example.org cc @bob", []string{"bob"}},
		{"parenthesis", "(@ada)", []string{"ada"}},
		{"too short", "@al", nil},
		{"too long", "@" + "a234567890123456789012345678901234", nil},
		{"unicode letter after", "@adaé", nil},
		{"unicode before", "é@ada", nil},
		{"unicode around", "¡@ada! ünd", []string{"ada"}},
		{"cjk after space", "你好 @ada 你好", []string{"ada"}},
		{"bare at", "@ @ @@", nil},
		{"double at", "@@ada", nil},
		{"inline code", "see `@ada` and @bob", []string{"bob"}},
		{"code block", "```\n@ada\n``` @bob", []string{"bob"}},
		{"unclosed backtick", "a ` @ada", []string{"ada"}},
		{"path", "/users/@ada", nil},
		{"decorator", "@Override\nvoid f() {}", []string{"override"}},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ParseMentions(tt.body); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseMentions(%q) = %q, want %q", tt.body, got, tt.want)
			}
		})
	}
}

func TestParseMentionsBound(t *testing.T) {
	body := ""
	for i := 0; i < MentionsPerBody+10; i++ {
		body += " @user" + string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	if got := len(ParseMentions(body)); got != MentionsPerBody {
		t.Fatalf("got %d mentions, want the bound %d", got, MentionsPerBody)
	}
}

func FuzzParseMentions(f *testing.F) {
	for _, s := range []string{"hi @ada", "a@b.com", "`@x` @yyy", "@@@", "é@ada", "```@ada```",
		"thanks @ada.lovelace! cc @Bob_99, @carl-", "mail ada@example.org or ping @ada", "``@ada`` and ```\n@bob\n``` @carl",
		"¡@ada! ünd 你好 @grace", "@" + strings.Repeat("a", 40), strings.Repeat("@ab1 ", 60)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		got := ParseMentions(body)
		seen := map[string]bool{}
		for _, name := range got {
			if ValidateUsername(name) != nil {
				t.Fatalf("invalid name %q from %q", name, body)
			}
			if seen[name] {
				t.Fatalf("duplicate %q from %q", name, body)
			}
			if !strings.Contains(strings.ToLower(body), "@"+name) {
				t.Fatalf("%q is not written as @%s in %q", name, name, body)
			}
			seen[name] = true
		}
		if len(got) > MentionsPerBody {
			t.Fatalf("%d mentions", len(got))
		}
	})
}

package chat

import (
	"strings"
	"testing"
)

func TestCheckText(t *testing.T) {
	kinds := []struct {
		name string
		kind TextKind
	}{{"name", TextName}, {"line", TextLine}, {"body", TextBody}, {"secret", TextSecret}}
	tests := []struct {
		name string
		in   string
		ok   string // the kinds (by initial: n, l, b, s) that accept in
	}{
		{"plain", "Ada Lovelace", "nlbs"},
		{"accents and scripts", "Zoë · 日本語 · العربية", "nlbs"},
		{"emoji", "🙂 hi", "nlbs"},
		{"nul", "a\x00b", ""},
		{"bell", "a\x07b", ""},
		{"escape", "a\x1b[31mb", ""},
		{"delete", "a\x7fb", ""},
		{"c1 control", "a\u0085b", ""},
		{"newline", "a\nb", "b"},
		{"tab", "a\tb", "b"},
		{"carriage return", "a\rb", ""},
		{"line separator", "a\u2028b", "bs"},
		{"right-to-left override", "abc\u202Etxt.exe", "lbs"},
		{"left-to-right isolate", "a\u2066b", "lbs"},
		{"right-to-left mark", "a\u200Fb", "lbs"},
		{"zero-width space", "a\u200Bb", "lbs"},
		{"zero-width joiner", "a\u200Db", "lbs"},
		{"byte order mark", "\uFEFFab", "lbs"},
		{"soft hyphen", "a\u00ADb", "lbs"},
		{"invalid utf-8", "a\xffb", ""},
	}
	for _, tt := range tests {
		for _, k := range kinds {
			t.Run(tt.name+"/"+k.name, func(t *testing.T) {
				err := CheckText("field", tt.in, k.kind)
				want := strings.Contains(tt.ok, k.name[:1])
				if (err == nil) != want {
					t.Fatalf("CheckText(%q, %s) = %v, want ok=%v", tt.in, k.name, err, want)
				}
				if err != nil && (ErrorCode(err) != EINVALID || ErrorField(err) != "field") {
					t.Fatalf("error %v does not name the field", err)
				}
			})
		}
	}
}

func TestTextRuleAppliesToEveryField(t *testing.T) {
	bad := "x\u202Ey"
	tests := []struct {
		name  string
		err   error
		field string
	}{
		{"display name bidi", ValidateDisplayName("Ada" + bad), "display_name"},
		{"display name nul", ValidateDisplayName("Ada\x00"), "display_name"},
		{"username control", ValidateUsername("ada\x01"), "username"},
		{"email nul", ValidateEmail("ada\x00@example.org"), "email"},
		{"client id nul", ValidateClientID("c\x00"), "client_id"},
		{"room name zero width", third(ValidateRoom("gen\u200Beral", "")), "name"},
		{"room name newline", third(ValidateRoom("gen\neral", "")), "name"},
		{"topic nul", third(ValidateRoom("general", "a\x00")), "topic"},
		{"topic newline", third(ValidateRoom("general", "a\nb")), "topic"},
		{"body nul", second(ValidateBody("hi\x00")), "body"},
		{"body escape", second(ValidateBody("hi\x1b[2J")), "body"},
		{"body ok with newlines", second(ValidateBody("a\r\nb\tc\rd")), ""},
		{"body ok with bidi", second(ValidateBody("שלום \u202B world")), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.field == "" {
				if tt.err != nil {
					t.Fatalf("unexpected %v", tt.err)
				}
				return
			}
			if ErrorCode(tt.err) != EINVALID || ErrorField(tt.err) != tt.field {
				t.Fatalf("got %v, want invalid %s", tt.err, tt.field)
			}
		})
	}
	if b, _ := ValidateBody("a\r\nb\rc"); b != "a\nb\nc" {
		t.Fatalf("newlines not normalized: %q", b)
	}
}

func second[A, B any](_ A, b B) B { return b }

func TestCleanUserAgent(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Mozilla/5.0 (X11)", "Mozilla/5.0 (X11)"},
		{"a\x00b\nc\xff", "abc"},
		{strings.Repeat("é", UserAgentMaxLen), strings.Repeat("é", UserAgentMaxLen/2)},
	}
	for _, tt := range tests {
		if got := CleanUserAgent(tt.in); got != tt.want {
			t.Errorf("CleanUserAgent(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestValidID(t *testing.T) {
	for id, want := range map[string]bool{
		NewID(): true, "": false, "a\x00": false, "a b": false, strings.Repeat("a", IDMaxLen+1): false, "é": false,
	} {
		if ValidID(id) != want {
			t.Errorf("ValidID(%q) = %v", id, !want)
		}
	}
}

func third[A, B, C any](_ A, _ B, c C) C { return c }

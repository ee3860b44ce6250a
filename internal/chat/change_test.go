package chat_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/open-chat/openchat/internal/chat"
)

func TestValidateEmoji(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"👍", true},
		{"❤️", true},      // with VS16
		{"👍🏽", true},      // skin tone
		{"👩‍💻", true},     // ZWJ sequence
		{"🇪🇸", true},      // flag
		{"1️⃣", true},     // keycap
		{"🏴󠁧󠁢󠁳󠁣󠁴󠁿", true}, // tag sequence
		{":tada:", true},
		{":nope:", false},
		{"", false},
		{"a", false},
		{"👍👍", false},
		{"👍 ", false},
		{"🇪", false}, // half a flag
		{"\xff", false},
		{strings.Repeat("👩‍", 12) + "💻", false}, // past EmojiMaxLen (64 bytes)
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.in), func(t *testing.T) {
			if err := chat.ValidateEmoji(tt.in); (err == nil) != tt.ok {
				t.Errorf("ValidateEmoji(%q) = %v, want ok=%v", tt.in, err, tt.ok)
			}
		})
	}
}

// TestApplyReaction: adding and removing keep first-use order and counts;
// doing what is done changes nothing; the 51st distinct emoji is refused.
func TestApplyReaction(t *testing.T) {
	show := func(rs []chat.Reaction) string {
		var b strings.Builder
		for _, r := range rs {
			fmt.Fprintf(&b, "%s%d%v ", r.Emoji, r.Count, r.UserIDs)
		}
		return b.String()
	}
	var rs []chat.Reaction
	steps := []struct {
		emoji, user string
		add         bool
		changed     bool
		want        string
	}{
		{"👍", "a", true, true, "👍1[a] "},
		{"👍", "a", true, false, "👍1[a] "},
		{"🎉", "b", true, true, "👍1[a] 🎉1[b] "},
		{"👍", "b", true, true, "👍2[a b] 🎉1[b] "},
		{"👍", "a", false, true, "👍1[b] 🎉1[b] "},
		{"👍", "a", false, false, "👍1[b] 🎉1[b] "},
		{"👍", "b", false, true, "🎉1[b] "},
	}
	for i, s := range steps {
		var changed bool
		var err error
		rs, changed, err = chat.ApplyReaction(rs, s.emoji, s.user, s.add)
		if err != nil || changed != s.changed || show(rs) != s.want {
			t.Fatalf("step %d: %s changed=%v %v, want %s changed=%v", i, show(rs), changed, err, s.want, s.changed)
		}
	}
	rs = nil
	for i := range chat.ReactionsPerMessage {
		var err error
		if rs, _, err = chat.ApplyReaction(rs, fmt.Sprintf(":e%d:", i), "a", true); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := chat.ApplyReaction(rs, ":one-more:", "a", true); chat.ErrorCode(err) != chat.EINVALID || chat.ErrorField(err) != "emoji" {
		t.Fatalf("emoji %d: %v, want invalid emoji", chat.ReactionsPerMessage+1, err)
	}
	if _, changed, err := chat.ApplyReaction(rs, ":e0:", "b", true); err != nil || !changed {
		t.Fatalf("a known emoji at the bound: changed=%v %v", changed, err)
	}
}

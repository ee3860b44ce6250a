package chat

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Shortcodes are the :name: reactions accepted besides Unicode emoji; the
// web client has the same list (web/src/lib/emoji.ts).
var shortcodes = []string{
	":+1:", ":-1:", ":clap:", ":eyes:", ":fire:", ":heart:", ":joy:", ":laughing:", ":ok_hand:", ":party:",
	":pray:", ":rocket:", ":smile:", ":tada:", ":thinking:", ":thumbsdown:", ":thumbsup:", ":wave:", ":white_check_mark:", ":x:",
}

// Shortcodes returns the accepted :name: reactions.
func Shortcodes() []string { return slices.Clone(shortcodes) }

// ValidateEmoji checks a reaction: one Unicode emoji (a single
// pictographic character, optionally with a variation selector, a skin
// tone and tag characters, or several joined by ZWJ; a flag of two
// regional indicators; a keycap) or one of Shortcodes.
func ValidateEmoji(e string) error {
	switch {
	case strings.HasPrefix(e, ":"):
		if slices.Contains(shortcodes, e) {
			return nil
		}
		return Invalid("emoji", "unknown shortcode %q", e)
	case e == "" || len(e) > EmojiMaxLen || !utf8.ValidString(e):
		return Invalid("emoji", "must be one emoji")
	case isFlag(e) || isKeycap(e):
		return nil
	}
	for _, part := range strings.Split(e, "\u200d") {
		if !isEmojiUnit(part) {
			return Invalid("emoji", "must be one emoji")
		}
	}
	return nil
}

// isEmojiUnit: a pictograph, then at most one of VS16 or a skin tone,
// then tag characters (subdivision flags).
func isEmojiUnit(s string) bool {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || !isPictograph(r) {
		return false
	}
	rest := s[n:]
	if m, k := utf8.DecodeRuneInString(rest); k > 0 && (m == 0xFE0F || m >= 0x1F3FB && m <= 0x1F3FF) {
		rest = rest[k:]
	}
	for _, t := range rest {
		if t < 0xE0020 || t > 0xE007F {
			return false
		}
	}
	return true
}

func isPictograph(r rune) bool {
	switch {
	case r >= 0x1F000 && r <= 0x1FAFF && !(r >= 0x1F1E6 && r <= 0x1F1FF) && !(r >= 0x1F3FB && r <= 0x1F3FF):
		return true
	case r >= 0x2600 && r <= 0x27BF, r >= 0x2300 && r <= 0x23FF, r >= 0x2B00 && r <= 0x2BFF,
		r >= 0x2190 && r <= 0x21FF, r >= 0x25A0 && r <= 0x25FF, r >= 0x2900 && r <= 0x297F:
		return true
	}
	return slices.Contains([]rune{0x00A9, 0x00AE, 0x203C, 0x2049, 0x2122, 0x2139, 0x24C2, 0x3030, 0x303D, 0x3297, 0x3299}, r)
}

func isFlag(s string) bool {
	rs := []rune(s)
	return len(rs) == 2 && rs[0] >= 0x1F1E6 && rs[0] <= 0x1F1FF && rs[1] >= 0x1F1E6 && rs[1] <= 0x1F1FF
}

func isKeycap(s string) bool {
	rs := []rune(s)
	return len(rs) == 3 && strings.ContainsRune("0123456789#*", rs[0]) && rs[1] == 0xFE0F && rs[2] == 0x20E3
}

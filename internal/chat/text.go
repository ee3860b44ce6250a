package chat

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The one rule for the characters of every text field a client sends.
// Each field is checked by CheckText with the kind that fits it, before
// anything else looks at it: a NUL byte cannot reach a database (PostgreSQL
// refuses it in text, which used to be a 500), and a name cannot carry
// characters that make it render as something else.

// TextKind says which characters a field may hold beyond printable text.
type TextKind int

// Text kinds, strictest first.
const (
	// TextName is a name people recognise one another by: usernames,
	// display names, room names. No control characters (not even newline or
	// tab), no line or paragraph separators, and no invisible formatting
	// characters (Unicode category Cf): bidirectional overrides, embeddings
	// and isolates (U+202A–U+202E, U+2066–U+2069), direction marks, zero-width
	// spaces and joiners (U+200B–U+200D, U+2060, U+FEFF), soft hyphens, tags.
	TextName TextKind = iota
	// TextLine is a single line: topics, e-mail addresses, client ids,
	// search prefixes. No control characters, no line or paragraph separators.
	TextLine
	// TextBody is free text (message bodies): no control characters except
	// newline and tab.
	TextBody
	// TextSecret is a password: no control characters. It is never shown, so
	// formatting characters are the owner's business.
	TextSecret
)

// CheckText applies the rule of kind to s and returns EINVALID naming field,
// with the offending character's code point, or nil.
func CheckText(field, s string, kind TextKind) error {
	if !utf8.ValidString(s) {
		return Invalid(field, "must be valid UTF-8")
	}
	for _, r := range s {
		if why := badRune(r, kind); why != "" {
			return Invalid(field, "must not contain %s (U+%04X)", why, r)
		}
	}
	return nil
}

// badRune says why r is not allowed in a field of kind, or "".
func badRune(r rune, kind TextKind) string {
	switch {
	case r == 0:
		return "a NUL character"
	case kind == TextBody && (r == '\n' || r == '\t'):
		return ""
	case unicode.Is(unicode.Cc, r): // C0, DEL and C1
		return "a control character"
	case kind == TextBody || kind == TextSecret:
		return ""
	case r == '\u2028' || r == '\u2029':
		return "a line or paragraph separator"
	case kind == TextName && isBidiControl(r):
		return "a bidirectional control character"
	case kind == TextName && unicode.Is(unicode.Cf, r):
		return "an invisible formatting character"
	}
	return ""
}

// isBidiControl reports the characters that reorder text around them.
func isBidiControl(r rune) bool {
	return r >= '\u202A' && r <= '\u202E' || r >= '\u2066' && r <= '\u2069' ||
		r == '\u200E' || r == '\u200F' || r == '\u061C'
}

// normalizeNewlines turns CRLF and lone CR into LF, so text pasted from any
// platform passes TextBody.
func normalizeNewlines(s string) string {
	if !strings.ContainsRune(s, '\r') {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// IDMaxLen bounds the ids clients name in paths and frames (ours are 36).
const IDMaxLen = 64

// ValidID reports whether id can name a stored object: 1 to IDMaxLen
// printable ASCII characters. Callers answer ENOTFOUND otherwise, without
// asking the store.
func ValidID(id string) bool {
	if id == "" || len(id) > IDMaxLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x21 || id[i] > 0x7e {
			return false
		}
	}
	return true
}

// checkRoomID answers ENOTFOUND, without asking the store, for an id no
// room can have (a NUL byte, say, which PostgreSQL would refuse).
func checkRoomID(id string) error {
	if !ValidID(id) {
		return Errorf(ENOTFOUND, "room not found")
	}
	return nil
}

// CleanUserAgent makes a client-sent header fit for storage and display:
// invalid UTF-8 and control characters dropped, at most UserAgentMaxLen
// bytes (cut on a character boundary).
func CleanUserAgent(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unicode.Is(unicode.Cc, r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	for len(s) > UserAgentMaxLen {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return strings.TrimSpace(s)
}

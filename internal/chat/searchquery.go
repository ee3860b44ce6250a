package chat

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Limits on a search query.
const (
	SearchQueryMaxLen  = 256 // runes
	SearchMaxTerms     = 16  // words plus the words of phrases
	SearchMinPrefixLen = 2   // a shorter last word matches whole, not as a prefix
)

// SearchQuery is a parsed search: every word and every phrase must match
// (AND). Words and phrase words are folded (Fold) tokens (SearchTokens),
// the units both stores index, so the engines and the snippet agree on
// what a word is.
type SearchQuery struct {
	Words   []string
	Prefix  bool       // the last of Words also matches words it begins
	Phrases [][]string // each: these words, adjacent and in order
	From    string     // from:@name, as written ("" for anyone)
	In      string     // in:#room, a room name as written ("" for any)
}

// Empty reports whether q has nothing to match text with.
func (q SearchQuery) Empty() bool { return len(q.Words) == 0 && len(q.Phrases) == 0 }

// BadParam builds an EBADREQUEST error naming a query parameter.
func BadParam(field, format string, args ...any) *Error {
	return &Error{Code: EBADREQUEST, Field: field, Message: fmt.Sprintf(format, args...)}
}

func badQuery(format string, args ...any) error { return BadParam("q", format, args...) }

// ParseSearch parses the query syntax: words (all must match; the last one,
// unless followed by a space, also as a prefix), "exact phrase",
// from:@username and in:#room (in:"room name" for names with spaces).
// Case and accents never matter. Errors: EBADREQUEST with field q.
func ParseSearch(s string) (SearchQuery, error) {
	var q SearchQuery
	if err := CheckText("q", s, TextLine); err != nil {
		return q, badQuery("%s", ErrorMessage(err))
	}
	if utf8.RuneCountInString(s) > SearchQueryMaxLen {
		return q, badQuery("must be at most %d characters", SearchQueryMaxLen)
	}
	lastBare := false
	for rest := strings.TrimLeftFunc(s, unicode.IsSpace); rest != ""; rest = strings.TrimLeftFunc(rest, unicode.IsSpace) {
		var item string
		quoted := false
		lastBare = false
		switch {
		case hasFoldPrefix(rest, "from:"):
			item, rest, _ = cutItem(rest[len("from:"):])
			if err := setOperator(&q.From, "from:", strings.TrimPrefix(item, "@")); err != nil {
				return q, err
			}
			continue
		case hasFoldPrefix(rest, "in:"):
			item, rest, _ = cutItem(rest[len("in:"):])
			if err := setOperator(&q.In, "in:", strings.TrimPrefix(item, "#")); err != nil {
				return q, err
			}
			continue
		default:
			item, rest, quoted = cutItem(rest)
		}
		toks := SearchTokens(item)
		switch {
		case len(toks) == 0:
		case len(toks) == 1 && !quoted:
			q.Words = append(q.Words, toks[0])
			lastBare = true
		default: // a quoted phrase, or a word with punctuation inside (e-mail)
			q.Phrases = append(q.Phrases, toks)
		}
	}
	n := len(q.Words)
	for _, p := range q.Phrases {
		n += len(p)
	}
	switch {
	case n > SearchMaxTerms:
		return q, badQuery("has %d words; at most %d are searched", n, SearchMaxTerms)
	case q.Empty():
		return q, badQuery("needs at least one word to look for")
	}
	if lastBare && !strings.HasSuffix(s, " ") && utf8.RuneCountInString(q.Words[len(q.Words)-1]) >= SearchMinPrefixLen {
		q.Prefix = true
	}
	return q, nil
}

func hasFoldPrefix(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func setOperator(dst *string, op, v string) error {
	switch {
	case v == "":
		return badQuery("%s needs a value", op)
	case *dst != "" && *dst != v:
		return badQuery("use %s once", op)
	}
	*dst = v
	return nil
}

// cutItem takes the next item of a query: a "quoted" run (to the closing
// quote, or the end) or a run of non-space characters.
func cutItem(s string) (item, rest string, quoted bool) {
	if strings.HasPrefix(s, `"`) {
		item, rest, _ = strings.Cut(s[1:], `"`)
		return item, rest, true
	}
	if i := strings.IndexFunc(s, unicode.IsSpace); i >= 0 {
		return s[:i], s[i:], false
	}
	return s, "", false
}

// isTokenRune says what a word is made of: letters, digits and the marks
// that accent them, as SQLite's unicode61 tokenizer splits text. Everything
// else (spaces, punctuation, symbols, emoji) separates words.
func isTokenRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Mn, r)
}

// tokenSpan is one word of a text: its byte range and its folded form.
type tokenSpan struct {
	start, end int
	folded     string
}

func tokenSpans(s string) []tokenSpan {
	var out []tokenSpan
	start := -1
	for i, r := range s {
		switch {
		case isTokenRune(r) && start < 0:
			start = i
		case !isTokenRune(r) && start >= 0:
			out = append(out, tokenSpan{start, i, Fold(s[start:i])})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, tokenSpan{start, len(s), Fold(s[start:])})
	}
	return out
}

// SearchTokens splits s into folded words, as the stores index text.
func SearchTokens(s string) []string {
	spans := tokenSpans(s)
	out := make([]string, 0, len(spans))
	for _, t := range spans {
		if t.folded != "" {
			out = append(out, t.folded)
		}
	}
	return out
}

// Fold lower-cases s and strips its accents ("Canción" → "cancion"), as
// both stores do when they index and query: SQLite's unicode61
// remove_diacritics and PostgreSQL's unaccent. Letters that are not a base
// letter plus marks (ø, ß, ł) are only lower-cased here; the engines fold
// some of them further, so such words match in the index and may go
// unmarked in a snippet.
func Fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	return strings.ToLower(out)
}

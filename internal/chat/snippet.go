package chat

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Snippets: the matched words of a body are wrapped in MarkOpen and
// MarkClose. Nothing else is escaped: a client renders the text between
// the marks as text, never as HTML (a body may hold "<b>", or even
// "<mark>", typed by its author).
const (
	MarkOpen        = "<mark>"
	MarkClose       = "</mark>"
	SnippetMaxRunes = 200 // of body text, marks not counted
	snippetLead     = 40  // runes of context kept before the first match
)

// Snippet returns the part of body around its first match of q, at most
// SnippetMaxRunes of it, with every match in that part marked and "…"
// where text was cut. The words are found as the stores find them
// (SearchTokens), so a match is marked whatever its case or accents.
func Snippet(body string, q SearchQuery) string {
	spans := tokenSpans(body)
	marked := matches(spans, q)
	from, to := 0, len(body)
	if utf8.RuneCountInString(body) > SnippetMaxRunes {
		first := 0
		if i := slices.Index(marked, true); i >= 0 {
			first = spans[i].start
		}
		from = backRunes(body, first, snippetLead)
		to = forwardRunes(body, from, SnippetMaxRunes)
		from, to = wordStart(spans, from), wordEnd(spans, to)
		from = to - len(strings.TrimLeftFunc(body[from:to], unicode.IsSpace))
		to = from + len(strings.TrimRightFunc(body[from:to], unicode.IsSpace))
	}
	var b strings.Builder
	if from > 0 {
		b.WriteString("…")
	}
	at := from
	for i, t := range spans {
		if !marked[i] || t.start < from || t.end > to {
			continue
		}
		b.WriteString(body[at:t.start])
		b.WriteString(MarkOpen + body[t.start:t.end] + MarkClose)
		at = t.end
	}
	b.WriteString(body[at:to])
	if to < len(body) {
		b.WriteString("…")
	}
	return b.String()
}

// matches marks the spans that q's words and phrases match.
func matches(spans []tokenSpan, q SearchQuery) []bool {
	marked := make([]bool, len(spans))
	for i, t := range spans {
		for j, w := range q.Words {
			if t.folded == w || (q.Prefix && j == len(q.Words)-1 && strings.HasPrefix(t.folded, w)) {
				marked[i] = true
			}
		}
	}
	for _, p := range q.Phrases {
		for i := 0; i+len(p) <= len(spans); i++ {
			if phraseAt(spans[i:], p) {
				for k := range p {
					marked[i+k] = true
				}
			}
		}
	}
	return marked
}

func phraseAt(spans []tokenSpan, p []string) bool {
	for k, w := range p {
		if spans[k].folded != w {
			return false
		}
	}
	return true
}

// backRunes returns the byte offset n runes before i (or 0).
func backRunes(s string, i, n int) int {
	for ; n > 0 && i > 0; n-- {
		_, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
	}
	return i
}

// forwardRunes returns the byte offset n runes after i (or len(s)).
func forwardRunes(s string, i, n int) int {
	for ; n > 0 && i < len(s); n-- {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i
}

// wordStart moves a cut at i forward past a word it would split.
func wordStart(spans []tokenSpan, i int) int {
	for _, t := range spans {
		if t.start < i && i < t.end {
			return t.end
		}
	}
	return i
}

// wordEnd moves a cut at i back before a word it would split.
func wordEnd(spans []tokenSpan, i int) int {
	for _, t := range spans {
		if t.start < i && i < t.end {
			return t.start
		}
	}
	return i
}

package chat

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// ParseMentions returns the distinct lower-case usernames written as
// @username in body, in order of first appearance, at most MentionsPerBody.
//
// A mention starts at '@' that does not follow a word character (so
// "ada@example.org" is not one), takes the longest run of username
// characters, drops trailing '.' and '-' (sentence punctuation), and must
// not be followed by another letter or digit. Text inside `code` spans and
// ```code blocks``` is ignored, as in other chat apps. Whether the name
// exists is the caller's business.
func ParseMentions(body string) []string {
	var out []string
	seen := map[string]bool{}
	inCode := "" // the backtick fence of the code span we are in
	var prev rune = ' '
	for i := 0; i < len(body); {
		r, size := utf8.DecodeRuneInString(body[i:])
		switch {
		case r == '`':
			n := 1
			for i+n < len(body) && body[i+n] == '`' {
				n++
			}
			fence := body[i : i+n]
			switch {
			case inCode == "" && strings.Contains(body[i+n:], fence):
				inCode = fence // an unclosed fence is literal text
			case inCode == fence:
				inCode = ""
			}
			i += n
			prev = '`'
			continue
		case r == '@' && inCode == "" && !isWordRune(prev):
			name, end := scanUsername(body, i+1)
			if name != "" && !seen[name] && len(out) < MentionsPerBody {
				seen[name] = true
				out = append(out, name)
			}
			if end > i+1 {
				r, _ = utf8.DecodeLastRuneInString(body[:end])
				i, prev = end, r
				continue
			}
		}
		prev = r
		i += size
	}
	return out
}

// scanUsername reads a candidate name starting at body[start:]; it returns
// the normalized name ("" if none is valid) and where scanning stopped.
func scanUsername(body string, start int) (string, int) {
	end := start
	for end < len(body) && isUsernameByte(body[end]) {
		end++
	}
	stop := end
	name := strings.TrimRight(body[start:end], ".-")
	if next, _ := utf8.DecodeRuneInString(body[end:]); end < len(body) && (unicode.IsLetter(next) || unicode.IsDigit(next)) {
		return "", stop
	}
	name = strings.ToLower(name)
	if ValidateUsername(name) != nil {
		return "", stop
	}
	return name, stop
}

func isUsernameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-'
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '.' || r == '-' || r == '@' || r == '+' || r == '/'
}

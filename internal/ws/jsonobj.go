package ws

import (
	"bytes"
	"errors"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// objReader reads the members of one JSON object into fields, as
// encoding/json's Unmarshal into a struct would, for the two decodes every
// message pays: a client's frame and the hub's room event. Unmarshal
// validates the whole input with a scanner, then decodes it again by
// reflection, allocating its state each time; this reads the bytes once
// and allocates only the strings it keeps.
//
// It accepts what Unmarshal accepts and fails where it fails
// (FuzzObjReader compares the two), except that it stops at the first
// error instead of filling what fields it can: its callers drop the value
// on error. Unmarshal's rules it keeps: `null` for the whole input is an
// object without members; a key matches a field's name exactly or
// case-insensitively (Unicode simple folding); a repeated key's last value
// wins; `null` leaves a string, number or bool as it was and sets a
// pointer to nil; strings carry invalid UTF-8 and unpaired surrogates as
// U+FFFD; an integer field takes only integers in range; containers nest
// at most maxJSONDepth deep.
//
// Use: r := objReader{b: b}; if r.open() { for k := r.next(); k != nil;
// k = r.next() { one read… method per member } }; err := r.close(). An
// error sticks: every later method does nothing, and close returns it.
type objReader struct {
	b       []byte
	i       int
	err     error
	members int    // members read so far
	key     []byte // reused to unescape keys that have escapes
}

// maxJSONDepth is encoding/json's nesting limit (its scanner's
// maxNestingDepth), counting the object itself.
const maxJSONDepth = 10000

var errJSON = errors.New("invalid JSON, or a value of the wrong type")

func (r *objReader) fail() {
	if r.err == nil {
		r.err = errJSON
	}
}

// peek skips whitespace and returns the next byte, or 0 at the end (a 0
// byte is never valid where peek is asked, except at the end).
func (r *objReader) peek() byte {
	for ; r.i < len(r.b); r.i++ {
		switch c := r.b[r.i]; c {
		case ' ', '\t', '\n', '\r':
		default:
			return c
		}
	}
	return 0
}

// literal consumes lit (true, false or null), which must come next.
func (r *objReader) literal(lit string) bool {
	if r.peek(); len(r.b)-r.i < len(lit) || string(r.b[r.i:r.i+len(lit)]) != lit {
		r.fail()
		return false
	}
	r.i += len(lit)
	return true
}

// open starts the object: true if it may have members, false for `null`
// (none) or on error.
func (r *objReader) open() bool {
	switch r.peek() {
	case '{':
		r.i++
		return true
	case 'n':
		r.literal("null")
	default:
		r.fail()
	}
	return false
}

// next returns the next member's key, unescaped and valid until the next
// call, with the reader at its value; nil after the last member or on
// error.
func (r *objReader) next() []byte {
	if r.err != nil {
		return nil
	}
	c := r.peek()
	switch {
	case c == '}':
		r.i++
		return nil
	case r.members > 0 && c != ',':
		r.fail()
		return nil
	case r.members > 0:
		r.i++
	}
	key, ok := r.str(true)
	if !ok || r.peek() != ':' {
		r.fail()
		return nil
	}
	r.i++
	r.members++
	return key
}

// close ends the object: nothing but whitespace may follow it.
func (r *objReader) close() error {
	if r.peek(); r.err == nil && r.i < len(r.b) {
		r.fail()
	}
	return r.err
}

// fieldOf returns the name among names that key matches, as Unmarshal
// matches a key to a struct field (exactly, else folding case), or "".
func fieldOf(key []byte, names ...string) string {
	for _, n := range names {
		if string(key) == n {
			return n
		}
	}
	for _, n := range names {
		if bytes.EqualFold(key, []byte(n)) {
			return n
		}
	}
	return ""
}

// str reads a JSON string. Without escapes or invalid UTF-8 it returns
// the input's own bytes; otherwise it unquotes into a new slice (or, with
// intoKey, into r.key). ok is false on error.
func (r *objReader) str(intoKey bool) (s []byte, ok bool) {
	if r.peek() != '"' {
		r.fail()
		return nil, false
	}
	r.i++
	start := r.i
	for r.i < len(r.b) {
		c := r.b[r.i]
		switch {
		case c == '"':
			r.i++
			return r.b[start : r.i-1], true
		case c == '\\' || c < ' ':
			return r.unquote(start, intoKey)
		case c < utf8.RuneSelf:
			r.i++
		default:
			ch, n := utf8.DecodeRune(r.b[r.i:])
			if ch == utf8.RuneError && n == 1 {
				return r.unquote(start, intoKey)
			}
			r.i += n
		}
	}
	r.fail()
	return nil, false
}

// unquote is str's slow path, from start (just after the opening quote);
// the reader is at the first byte that needs it.
func (r *objReader) unquote(start int, intoKey bool) ([]byte, bool) {
	var out []byte
	if intoKey {
		out = r.key[:0]
	}
	out = append(out, r.b[start:r.i]...)
	for r.i < len(r.b) {
		c := r.b[r.i]
		switch {
		case c == '"':
			r.i++
			if intoKey {
				r.key = out
			}
			return out, true
		case c < ' ':
			r.fail()
			return nil, false
		case c == '\\':
			ch, ok := r.escape()
			if !ok {
				r.fail()
				return nil, false
			}
			out = utf8.AppendRune(out, ch)
		case c < utf8.RuneSelf:
			out = append(out, c)
			r.i++
		default:
			ch, n := utf8.DecodeRune(r.b[r.i:])
			out = utf8.AppendRune(out, ch) // U+FFFD for an invalid byte
			r.i += n
		}
	}
	r.fail()
	return nil, false
}

// escape reads one escape sequence (the reader at its backslash). A
// surrogate pair is one character; an unpaired half is U+FFFD, and an
// escape after it is read on its own.
func (r *objReader) escape() (rune, bool) {
	if r.i+1 >= len(r.b) {
		return 0, false
	}
	e := r.b[r.i+1]
	r.i += 2
	switch e {
	case '"', '\\', '/':
		return rune(e), true
	case 'b':
		return '\b', true
	case 'f':
		return '\f', true
	case 'n':
		return '\n', true
	case 'r':
		return '\r', true
	case 't':
		return '\t', true
	case 'u':
	default:
		return 0, false
	}
	ch := hex4(r.b[r.i:])
	if ch < 0 {
		return 0, false
	}
	r.i += 4
	if !utf16.IsSurrogate(ch) {
		return ch, true
	}
	if len(r.b)-r.i >= 6 && r.b[r.i] == '\\' && r.b[r.i+1] == 'u' {
		if pair := utf16.DecodeRune(ch, hex4(r.b[r.i+2:])); pair != utf8.RuneError {
			r.i += 6
			return pair, true
		}
	}
	return utf8.RuneError, true
}

// hex4 decodes the four hex digits b starts with, or returns -1.
func hex4(b []byte) rune {
	if len(b) < 4 {
		return -1
	}
	var ch rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		ch = ch<<4 | rune(c)
	}
	return ch
}

// null consumes a null if one comes next (or reports true on error, so
// that the value is left alone).
func (r *objReader) null() bool {
	if r.err != nil {
		return true
	}
	if r.peek() == 'n' {
		r.literal("null")
		return true
	}
	return false
}

// readString reads a string member into dst; null leaves dst as it was.
// A value equal to one of known is set to that string, without allocating.
func (r *objReader) readString(dst *string, known ...string) {
	if r.null() {
		return
	}
	s, ok := r.str(false)
	if !ok {
		return
	}
	for _, k := range known {
		if string(s) == k {
			*dst = k
			return
		}
	}
	*dst = string(s)
}

// number reads a JSON number and returns its text.
func (r *objReader) number() []byte {
	r.peek()
	start := r.i
	if r.i < len(r.b) && r.b[r.i] == '-' {
		r.i++
	}
	if r.i < len(r.b) && r.b[r.i] == '0' {
		r.i++
	} else if r.digits() == 0 {
		r.fail()
		return nil
	}
	if r.i < len(r.b) && r.b[r.i] == '.' {
		r.i++
		if r.digits() == 0 {
			r.fail()
			return nil
		}
	}
	if r.i < len(r.b) && (r.b[r.i] == 'e' || r.b[r.i] == 'E') {
		r.i++
		if r.i < len(r.b) && (r.b[r.i] == '+' || r.b[r.i] == '-') {
			r.i++
		}
		if r.digits() == 0 {
			r.fail()
			return nil
		}
	}
	return r.b[start:r.i]
}

func (r *objReader) digits() int {
	n := 0
	for ; r.i < len(r.b) && '0' <= r.b[r.i] && r.b[r.i] <= '9'; r.i++ {
		n++
	}
	return n
}

// integer reads a number that must be an integer of bits bits.
func (r *objReader) integer(bits int) (int64, bool) {
	if c := r.peek(); c != '-' && (c < '0' || c > '9') {
		r.fail()
		return 0, false
	}
	s := r.number()
	if r.err != nil {
		return 0, false
	}
	n, err := strconv.ParseInt(string(s), 10, bits)
	if err != nil {
		r.fail()
		return 0, false
	}
	return n, true
}

// readInt64 reads an integer member into dst; null leaves dst as it was.
func (r *objReader) readInt64(dst *int64) {
	if r.null() {
		return
	}
	if n, ok := r.integer(64); ok {
		*dst = n
	}
}

// readInt reads an integer member into dst; null leaves dst as it was.
func (r *objReader) readInt(dst *int) {
	if r.null() {
		return
	}
	if n, ok := r.integer(strconv.IntSize); ok {
		*dst = int(n)
	}
}

// readInt64Ptr reads an integer member into *dst (allocated if nil); null
// sets dst to nil.
func (r *objReader) readInt64Ptr(dst **int64) {
	if r.err != nil {
		return
	}
	if r.null() {
		*dst = nil
		return
	}
	if n, ok := r.integer(64); ok {
		if *dst == nil {
			*dst = new(int64)
		}
		**dst = n
	}
}

// readBool reads a boolean member into dst; null leaves dst as it was.
func (r *objReader) readBool(dst *bool) {
	if r.null() {
		return
	}
	switch r.peek() {
	case 't':
		if r.literal("true") {
			*dst = true
		}
	case 'f':
		if r.literal("false") {
			*dst = false
		}
	default:
		r.fail()
	}
}

// raw returns the next value's bytes as they are (what a json.RawMessage
// gets, null included) once they are checked to be valid JSON. They are
// the input's, valid as long as it is.
func (r *objReader) raw() []byte {
	r.peek()
	start := r.i
	r.skip()
	if r.err != nil {
		return nil
	}
	return r.b[start:r.i]
}

// skip reads past the next value, checking that it is valid JSON. It does
// not recurse: stack holds, for each open container, whether it is an
// object.
func (r *objReader) skip() {
	var small [32]bool
	stack := small[:0]
	for r.err == nil {
		// A value: a scalar, or the start of a container.
		switch c := r.peek(); {
		case c == '{' || c == '[':
			r.i++
			if len(stack)+2 > maxJSONDepth { // 2: the object being read and this one
				r.fail()
				return
			}
			obj := c == '{'
			if c := r.peek(); obj && c == '}' || !obj && c == ']' {
				r.i++ // empty: a whole value
				break
			}
			stack = append(stack, obj)
			if obj {
				r.member()
			}
			continue
		case c == '"':
			r.skipString()
		case c == 't':
			r.literal("true")
		case c == 'f':
			r.literal("false")
		case c == 'n':
			r.literal("null")
		case c == '-' || '0' <= c && c <= '9':
			r.number()
		default:
			r.fail()
		}
		// After a value: close containers until one goes on.
		for r.err == nil && len(stack) > 0 {
			obj := stack[len(stack)-1]
			c := r.peek()
			if obj && c == '}' || !obj && c == ']' {
				r.i++
				stack = stack[:len(stack)-1]
				continue
			}
			if c != ',' {
				r.fail()
				break
			}
			r.i++
			if obj {
				r.member()
			}
			break
		}
		if len(stack) == 0 {
			return
		}
	}
}

// member reads an object member's key and colon, inside skip.
func (r *objReader) member() {
	if r.skipString(); r.err == nil && r.peek() == ':' {
		r.i++
		return
	}
	r.fail()
}

// skipString reads past a string, checking only its syntax: str without
// the unquoting (invalid UTF-8 is not an error, only replaced).
func (r *objReader) skipString() {
	if r.peek() != '"' {
		r.fail()
		return
	}
	for r.i++; r.i < len(r.b); {
		switch c := r.b[r.i]; {
		case c == '"':
			r.i++
			return
		case c < ' ':
			r.fail()
			return
		case c == '\\':
			if _, ok := r.escape(); !ok {
				r.fail()
				return
			}
		default:
			r.i++
		}
	}
	r.fail()
}

package ws

import "unicode/utf8"

// utf8Stream validates UTF-8 that arrives in pieces (the fragments of a
// text message, RFC 6455 §8.1): a rune may be split between two pieces, and
// a piece is refused as soon as it cannot begin valid UTF-8, without
// waiting for the rest of the message ("fail fast").
type utf8Stream struct {
	carry [utf8.UTFMax]byte // the start of a rune cut at the end of the last piece
	n     int
}

// write reports whether everything seen so far can begin valid UTF-8.
func (v *utf8Stream) write(p []byte) bool {
	for v.n > 0 && len(p) > 0 { // finish the rune carried over
		v.carry[v.n] = p[0]
		v.n++
		p = p[1:]
		if !validPrefix(v.carry[:v.n]) {
			return false
		}
		if v.n == runeLen(v.carry[0]) {
			v.n = 0
		}
	}
	if len(p) == 0 {
		return true
	}
	// A rune cut at the end of p starts at one of its last three bytes.
	cut := len(p)
	for i := len(p) - 1; i >= 0 && i >= len(p)-(utf8.UTFMax-1); i-- {
		if p[i]&0xc0 != 0x80 { // not a continuation byte: a rune starts here
			if runeLen(p[i]) > len(p)-i {
				cut = i
			}
			break
		}
	}
	if !utf8.Valid(p[:cut]) || !validPrefix(p[cut:]) {
		return false
	}
	v.n = copy(v.carry[:], p[cut:])
	return true
}

// complete reports whether the stream ends on a rune boundary; it resets v.
func (v *utf8Stream) complete() bool {
	ok := v.n == 0
	v.n = 0
	return ok
}

// runeLen is the length of the sequence a lead byte announces; 1 for ASCII
// and for bytes that cannot lead (utf8.Valid rejects those).
func runeLen(b byte) int {
	switch {
	case b >= 0xc2 && b <= 0xdf:
		return 2
	case b >= 0xe0 && b <= 0xef:
		return 3
	case b >= 0xf0 && b <= 0xf4:
		return 4
	}
	return 1
}

// validPrefix reports whether b (shorter than its rune) can begin a valid
// UTF-8 sequence: a lead byte, and continuation bytes within the ranges of
// RFC 3629 (no overlong forms, surrogates or code points past U+10FFFF).
func validPrefix(b []byte) bool {
	if len(b) == 0 {
		return true
	}
	n := runeLen(b[0])
	if n == 1 || len(b) > n {
		return len(b) == 1 && b[0] < utf8.RuneSelf
	}
	if len(b) == n {
		return utf8.Valid(b)
	}
	lo, hi := byte(0x80), byte(0xbf)
	switch b[0] {
	case 0xe0:
		lo = 0xa0
	case 0xed:
		hi = 0x9f
	case 0xf0:
		lo = 0x90
	case 0xf4:
		hi = 0x8f
	}
	if len(b) > 1 && (b[1] < lo || b[1] > hi) {
		return false
	}
	return len(b) < 3 || b[2]&0xc0 == 0x80
}

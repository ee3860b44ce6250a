package ws

import (
	"unicode/utf8"

	"github.com/gobwas/ws"
)

// Close codes (RFC 6455 §7.4) and the closing handshake's bounds.
const (
	statusInvalidData = ws.StatusCode(1007) // invalid UTF-8 in a text message or close reason

	// drainMax bounds what is read and thrown away after the server closes
	// with an error (1002, 1007, 1009), so that the client, still sending,
	// reads the close frame instead of a TCP reset.
	drainMax = 1 << 20
)

// receivedCloseCode reports whether a peer may send code: 1000-1003,
// 1007-1014 (RFC 6455 and the IANA registry), 3000-4999 (registered and
// private use). 1004 is reserved, 1005 and 1006 mean "no code" and "no
// close frame" and must never appear on the wire, 1015 is TLS failure.
func receivedCloseCode(code ws.StatusCode) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014, code >= 3000 && code <= 4999:
		return true
	}
	return false
}

// parseClose checks a close frame's payload: empty, or a valid code and a
// UTF-8 reason. The error is what the server closes with.
func parseClose(p []byte) (ws.StatusCode, string, error) {
	switch {
	case len(p) == 0:
		return ws.StatusNormalClosure, "", nil // no code: reply with a plain 1000
	case len(p) == 1:
		return 0, "", &closeError{code: ws.StatusProtocolError, reason: "close payload of one byte"}
	}
	code, reason := ws.ParseCloseFrameData(p)
	if !receivedCloseCode(code) {
		return 0, "", &closeError{code: ws.StatusProtocolError, reason: "invalid close code"}
	}
	if !utf8.ValidString(reason) {
		return 0, "", &closeError{code: statusInvalidData, reason: "close reason is not valid UTF-8"}
	}
	return code, reason, nil
}

// closeBody is the payload of a close frame the server sends: codes that
// must not be sent (1005, 1006, 1015, or anything unregistered) become an
// empty payload, which says "no code".
func closeBody(code ws.StatusCode, reason string) []byte {
	if !receivedCloseCode(code) {
		return nil
	}
	if len(reason) > 123 { // a control frame carries at most 125 bytes
		reason = reason[:123]
		for !utf8.ValidString(reason) {
			reason = reason[:len(reason)-1]
		}
	}
	return ws.NewCloseFrameBody(code, reason)
}

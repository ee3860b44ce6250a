package mail

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Email is one rendered e-mail, independent of how it travels.
type Email struct {
	// MessageID is the Message-ID without angle brackets. It is derived from
	// the batch id, so a resend of the same batch carries the same one.
	MessageID string
	From      string // "Name <addr>" or a plain address
	To        string // a plain address
	Subject   string
	Date      time.Time
	Text      string            // text/plain part
	HTML      string            // text/html part
	Headers   map[string]string // extra headers, e.g. List-Unsubscribe
}

// message builds the MIME message; every transport goes through it, so the
// file transport writes exactly what SMTP would send.
func (e *Email) message() (*gomail.Msg, error) {
	m := gomail.NewMsg()
	if err := m.From(e.From); err != nil {
		return nil, fmt.Errorf("from %q: %w", e.From, err)
	}
	if err := m.To(e.To); err != nil {
		return nil, fmt.Errorf("to %q: %w", e.To, err)
	}
	m.Subject(e.Subject)
	m.SetMessageIDWithValue(e.MessageID)
	m.SetDateWithValue(e.Date)
	for k, v := range e.Headers {
		m.SetGenHeader(gomail.Header(k), v)
	}
	m.SetBodyString(gomail.TypeTextPlain, e.Text)
	m.AddAlternativeString(gomail.TypeTextHTML, e.HTML)
	return m, nil
}

// WriteTo writes the e-mail in RFC 5322 form (what a .eml file holds).
func (e *Email) WriteTo(w io.Writer) (int64, error) {
	m, err := e.message()
	if err != nil {
		return 0, err
	}
	return m.WriteTo(w)
}

// Bytes returns the e-mail in RFC 5322 form.
func (e *Email) Bytes() ([]byte, error) {
	var b bytes.Buffer
	if _, err := e.WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// oneLine makes user text safe for a header: control characters (a
// display name may hold a newline) become spaces.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return r < 0x20 || r == 0x7f || r == ' '
	}), " ")
}

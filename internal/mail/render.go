package mail

import (
	"embed"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

//go:embed templates
var templateFS embed.FS

// templates are parsed once per Worker; html/template escapes user text by
// context, text/template keeps it as written.
type templates struct {
	text, verifyText *texttemplate.Template
	html, verifyHTML *htmltemplate.Template
	md               markdown
}

func parseTemplates() (t templates, err error) {
	for _, p := range []struct {
		text **texttemplate.Template
		html **htmltemplate.Template
		name string
	}{{&t.text, &t.html, "mention"}, {&t.verifyText, &t.verifyHTML, "verify"}} {
		t.md = newMarkdown()
		if *p.text, err = texttemplate.ParseFS(templateFS, "templates/"+p.name+".txt.tmpl"); err != nil {
			return templates{}, err
		}
		if *p.html, err = htmltemplate.ParseFS(templateFS, "templates/"+p.name+".html.tmpl"); err != nil {
			return templates{}, err
		}
	}
	return t, nil
}

// itemView is one mention as the templates see it.
type itemView struct {
	Room   string
	Author string
	Time   string
	Body   string            // the Markdown source, for the text part
	HTML   htmltemplate.HTML // the body rendered (markdown.go), for the HTML part
	Link   string
}

// view is what both templates render.
type view struct {
	Name           string
	Intro          string
	Items          []itemView
	UnsubscribeURL string
	SettingsURL    string
}

// TimeFormat is how a mention's time reads in an e-mail (always UTC).
const TimeFormat = "Mon 2 Jan 2006, 15:04 UTC"

// render turns a batch into its e-mail.
func (t templates) render(cfg Config, b chat.MailBatch, now time.Time) (*Email, error) {
	if b.Kind == chat.BatchVerify {
		return t.renderVerify(cfg, b, now)
	}
	if len(b.Items) == 0 {
		return nil, fmt.Errorf("batch %s has no mentions", b.ID)
	}
	base := strings.TrimRight(cfg.PublicURL, "/")
	unsub := UnsubscribeURL(base, cfg.Secret, b.User.ID)
	v := view{Name: name(b.User.DisplayName, b.User.Username), UnsubscribeURL: unsub, SettingsURL: base + "/"}
	for _, it := range b.Items {
		v.Items = append(v.Items, itemView{
			Room:   roomLabel(it.Room),
			Author: name(it.Message.Author.DisplayName, it.Message.Author.Username),
			Time:   it.Message.CreatedAt.UTC().Format(TimeFormat),
			Body:   it.Message.Body,
			HTML:   t.md.HTML(it.Message.Body),
			Link:   RoomLink(base, it.Room.ID, it.Message.Seq),
		})
	}
	subject := Subject(b.Items)
	v.Intro = subject + "."
	var text, html strings.Builder
	if err := t.text.Execute(&text, v); err != nil {
		return nil, fmt.Errorf("render text: %w", err)
	}
	if err := t.html.Execute(&html, v); err != nil {
		return nil, fmt.Errorf("render html: %w", err)
	}
	return &Email{
		MessageID: MessageID(b.ID, base),
		From:      cfg.From,
		To:        b.User.Email,
		Subject:   subject,
		Date:      now,
		Text:      text.String(),
		HTML:      html.String(),
		Headers: map[string]string{
			// RFC 8058 one-click: mail clients POST to the URL.
			"List-Unsubscribe":      "<" + unsub + ">",
			"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
			// RFC 3834: tells auto-responders not to answer.
			"Auto-Submitted": "auto-generated",
		},
	}, nil
}

// verifyView is what the verification templates render.
type verifyView struct {
	Name, Username, Subject, Link, Expires string
}

// VerifySubject is the subject of verification e-mails.
const VerifySubject = "Confirm your e-mail address for OpenChat"

// renderVerify builds the e-mail that verifies b.User's address, with a
// link valid for chat.EmailVerifyTTL from now.
func (t templates) renderVerify(cfg Config, b chat.MailBatch, now time.Time) (*Email, error) {
	base := strings.TrimRight(cfg.PublicURL, "/")
	expires := now.Add(chat.EmailVerifyTTL).Truncate(time.Second)
	v := verifyView{Name: name(b.User.DisplayName, b.User.Username), Username: b.User.Username, Subject: VerifySubject,
		Link: VerifyURL(base, cfg.Secret, b.User.ID, b.User.Email, expires), Expires: expires.UTC().Format(TimeFormat)}
	var text, html strings.Builder
	if err := t.verifyText.Execute(&text, v); err != nil {
		return nil, fmt.Errorf("render text: %w", err)
	}
	if err := t.verifyHTML.Execute(&html, v); err != nil {
		return nil, fmt.Errorf("render html: %w", err)
	}
	return &Email{MessageID: MessageID(b.ID, base), From: cfg.From, To: b.User.Email, Subject: VerifySubject, Date: now,
		Text: text.String(), HTML: html.String(), Headers: map[string]string{"Auto-Submitted": "auto-generated"}}, nil
}

// VerifyURL is the signed link of a verification e-mail, served by the
// HTTP API (GET shows a confirmation button, POST verifies).
func VerifyURL(base string, secret []byte, userID, email string, expires time.Time) string {
	return base + "/api/v1/verify-email?" + url.Values{"user": {userID}, "expires": {strconv.FormatInt(expires.Unix(), 10)},
		"token": {chat.EmailVerifyToken(secret, userID, email, expires)}}.Encode()
}

// roomLabel names a room in an e-mail: #name, or for a direct room (which
// has no name) what it is.
func roomLabel(r chat.RoomRef) string {
	if r.Visibility == chat.Direct {
		return "a direct message"
	}
	return "#" + r.Name
}

// Subject names the author and room of a single mention or direct message,
// or counts them and names the rooms of a batch.
func Subject(items []chat.MentionItem) string {
	first := items[0]
	author := name(first.Message.Author.DisplayName, first.Message.Author.Username)
	var rooms []string
	seen := map[string]bool{}
	sameAuthor, direct := true, 0
	for _, it := range items {
		if !seen[it.Room.ID] {
			seen[it.Room.ID] = true
			rooms = append(rooms, roomLabel(it.Room))
		}
		sameAuthor = sameAuthor && it.Message.Author.ID == first.Message.Author.ID
		if it.Room.Visibility == chat.Direct {
			direct++
		}
	}
	var s string
	switch {
	case len(items) == 1 && direct == 1:
		s = fmt.Sprintf("%s sent you a direct message", author)
	case len(items) == 1:
		s = fmt.Sprintf("%s mentioned you in %s", author, rooms[0])
	case sameAuthor && len(rooms) == 1 && direct > 0:
		s = fmt.Sprintf("%s sent you %d direct messages", author, len(items))
	case sameAuthor && len(rooms) == 1:
		s = fmt.Sprintf("%s mentioned you %d times in %s", author, len(items), rooms[0])
	case direct > 0:
		s = fmt.Sprintf("%d messages for you in %s", len(items), joinRooms(rooms))
	default:
		s = fmt.Sprintf("%d mentions in %s", len(items), joinRooms(rooms))
	}
	return oneLine(s)
}

// subjectRooms is how many room names a subject lists before "and N more".
const subjectRooms = 3

func joinRooms(rooms []string) string {
	if len(rooms) > subjectRooms {
		return strings.Join(rooms[:subjectRooms], ", ") + " and " + strconv.Itoa(len(rooms)-subjectRooms) + " more rooms"
	}
	if len(rooms) == 1 {
		return rooms[0]
	}
	return strings.Join(rooms[:len(rooms)-1], ", ") + " and " + rooms[len(rooms)-1]
}

// MessageID is the stable Message-ID (without brackets) of a batch's
// e-mail: the batch id at the public host.
func MessageID(batchID, publicURL string) string {
	host := "localhost"
	if u, err := url.Parse(publicURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return batchID + "@" + host
}

// RoomLink points the web client at a message: <base>/rooms/<id>#seq-<seq>.
func RoomLink(base, roomID string, seq int64) string {
	return base + "/rooms/" + url.PathEscape(roomID) + "#seq-" + strconv.FormatInt(seq, 10)
}

// UnsubscribeURL is the signed one-click link served by the HTTP API
// (GET shows a confirmation page, POST sets the preference to never).
func UnsubscribeURL(base string, secret []byte, userID string) string {
	return base + "/api/v1/unsubscribe?user=" + url.QueryEscape(userID) +
		"&token=" + url.QueryEscape(chat.UnsubscribeToken(secret, userID))
}

func name(display, username string) string {
	if d := oneLine(display); d != "" {
		return d
	}
	return username
}

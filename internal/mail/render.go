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

// templates are parsed once per Worker, one set per language
// (templates/<language>/); html/template escapes user text by context,
// text/template keeps it as written.
type templates struct {
	sets map[chat.Language]templateSet
	md   markdown
}

type templateSet struct {
	text, verifyText, resetText *texttemplate.Template
	html, verifyHTML, resetHTML *htmltemplate.Template
}

func parseTemplates() (templates, error) {
	t := templates{sets: map[chat.Language]templateSet{}, md: newMarkdown()}
	for lang := range catalogs {
		var set templateSet
		for _, p := range []struct {
			text **texttemplate.Template
			html **htmltemplate.Template
			name string
		}{{&set.text, &set.html, "mention"}, {&set.verifyText, &set.verifyHTML, "verify"}, {&set.resetText, &set.resetHTML, "reset"}} {
			var err error
			base := "templates/" + string(lang) + "/" + p.name
			if *p.text, err = texttemplate.ParseFS(templateFS, base+".txt.tmpl"); err != nil {
				return templates{}, err
			}
			if *p.html, err = htmltemplate.ParseFS(templateFS, base+".html.tmpl"); err != nil {
				return templates{}, err
			}
		}
		t.sets[lang] = set
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
	switch b.Kind {
	case chat.BatchVerify:
		return t.renderVerify(cfg, b, now)
	case chat.BatchReset:
		return t.renderReset(cfg, b, now)
	}
	if len(b.Items) == 0 {
		return nil, fmt.Errorf("batch %s has no mentions", b.ID)
	}
	c, lang := catalogOf(b.User.Language)
	set := t.sets[lang]
	base := strings.TrimRight(cfg.PublicURL, "/")
	unsub := UnsubscribeURL(base, cfg.Secret, b.User.ID)
	v := view{Name: name(b.User.DisplayName, b.User.Username), UnsubscribeURL: unsub, SettingsURL: base + "/"}
	for _, it := range b.Items {
		v.Items = append(v.Items, itemView{
			Room:   c.roomLabel(it.Room),
			Author: name(it.Message.Author.DisplayName, it.Message.Author.Username),
			Time:   c.when(it.Message.CreatedAt.Time),
			Body:   it.Message.Body,
			HTML:   t.md.HTML(it.Message.Body),
			Link:   RoomLink(base, it.Room.ID, it.Message.Seq),
		})
	}
	subject := c.subject(b.Items)
	v.Intro = subject + "."
	var text, html strings.Builder
	if err := set.text.Execute(&text, v); err != nil {
		return nil, fmt.Errorf("render text: %w", err)
	}
	if err := set.html.Execute(&html, v); err != nil {
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

// VerifySubject is the subject of verification e-mails in English.
const VerifySubject = "Confirm your e-mail address for OpenChat"

// renderVerify builds the e-mail that verifies b.User's address, with a
// link valid for chat.EmailVerifyTTL from now.
func (t templates) renderVerify(cfg Config, b chat.MailBatch, now time.Time) (*Email, error) {
	c, lang := catalogOf(b.User.Language)
	set := t.sets[lang]
	base := strings.TrimRight(cfg.PublicURL, "/")
	expires := now.Add(chat.EmailVerifyTTL).Truncate(time.Second)
	v := verifyView{Name: name(b.User.DisplayName, b.User.Username), Username: b.User.Username, Subject: c.verifySubject,
		Link: VerifyURL(base, cfg.Secret, b.User.ID, b.User.Email, expires), Expires: c.when(expires)}
	var text, html strings.Builder
	if err := set.verifyText.Execute(&text, v); err != nil {
		return nil, fmt.Errorf("render text: %w", err)
	}
	if err := set.verifyHTML.Execute(&html, v); err != nil {
		return nil, fmt.Errorf("render html: %w", err)
	}
	return &Email{MessageID: MessageID(b.ID, base), From: cfg.From, To: b.User.Email, Subject: c.verifySubject, Date: now,
		Text: text.String(), HTML: html.String(), Headers: map[string]string{"Auto-Submitted": "auto-generated"}}, nil
}

// renderReset builds the e-mail with a password-reset link. The batch id
// is the reset's; the link's token is derived from it (chat.PasswordResetToken).
// The link works chat.PasswordResetTTL from the request, so the e-mail
// says how long in words, not until when.
func (t templates) renderReset(cfg Config, b chat.MailBatch, now time.Time) (*Email, error) {
	c, lang := catalogOf(b.User.Language)
	set := t.sets[lang]
	base := strings.TrimRight(cfg.PublicURL, "/")
	v := verifyView{Name: name(b.User.DisplayName, b.User.Username), Username: b.User.Username, Subject: c.resetSubject,
		Link: ResetURL(base, cfg.Secret, b.ID), Expires: c.when(b.CreatedAt.Add(chat.PasswordResetTTL))}
	var text, html strings.Builder
	if err := set.resetText.Execute(&text, v); err != nil {
		return nil, fmt.Errorf("render text: %w", err)
	}
	if err := set.resetHTML.Execute(&html, v); err != nil {
		return nil, fmt.Errorf("render html: %w", err)
	}
	return &Email{MessageID: MessageID(b.ID, base), From: cfg.From, To: b.User.Email, Subject: c.resetSubject, Date: now,
		Text: text.String(), HTML: html.String(), Headers: map[string]string{"Auto-Submitted": "auto-generated"}}, nil
}

// ResetURL is the link of a password-reset e-mail: the web client's reset
// page, which posts the token and the new password.
func ResetURL(base string, secret []byte, resetID string) string {
	return base + "/reset-password?" + url.Values{"token": {chat.PasswordResetToken(secret, resetID)}}.Encode()
}

// VerifyURL is the signed link of a verification e-mail, served by the
// HTTP API (GET shows a confirmation button, POST verifies).
func VerifyURL(base string, secret []byte, userID, email string, expires time.Time) string {
	return base + "/api/v1/verify-email?" + url.Values{"user": {userID}, "expires": {strconv.FormatInt(expires.Unix(), 10)},
		"token": {chat.EmailVerifyToken(secret, userID, email, expires)}}.Encode()
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

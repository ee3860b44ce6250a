package mail

import (
	"fmt"
	"strings"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// catalog is the wording of e-mails in one language; the templates in
// templates/<language>/ hold the rest.
type catalog struct {
	directMessage, mentionedIn, directMessages, mentionedTimes, messagesFor, mentions string
	aDirectMessage, and, moreRooms                                                    string
	verifySubject, resetSubject                                                       string
	weekdays, months                                                                  []string // for times; nil: Go's English names
}

var catalogs = map[chat.Language]catalog{
	chat.English: {
		directMessage: "%s sent you a direct message", mentionedIn: "%s mentioned you in %s",
		directMessages: "%s sent you %d direct messages", mentionedTimes: "%s mentioned you %d times in %s",
		messagesFor: "%d messages for you in %s", mentions: "%d mentions in %s",
		aDirectMessage: "a direct message", and: " and ", moreRooms: "%d more rooms",
		verifySubject: VerifySubject, resetSubject: ResetSubject,
	},
	chat.Spanish: {
		directMessage: "%s te envió un mensaje directo", mentionedIn: "%s te mencionó en %s",
		directMessages: "%s te envió %d mensajes directos", mentionedTimes: "%s te mencionó %d veces en %s",
		messagesFor: "%d mensajes para ti en %s", mentions: "%d menciones en %s",
		aDirectMessage: "un mensaje directo", and: " y ", moreRooms: "%d salas más",
		verifySubject: "Confirma tu dirección de correo en OpenChat",
		resetSubject:  "Restablece tu contraseña de OpenChat",
		weekdays:      []string{"dom", "lun", "mar", "mié", "jue", "vie", "sáb"},
		months:        []string{"ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"},
	},
}

// ResetSubject is the subject of password-reset e-mails in English.
const ResetSubject = "Reset your OpenChat password"

// catalogOf is the user's language's catalog (English for an unknown one).
func catalogOf(l chat.Language) (catalog, chat.Language) {
	if c, ok := catalogs[l]; ok {
		return c, l
	}
	return catalogs[chat.English], chat.English
}

// when formats an instant as TimeFormat does, in the catalog's language.
func (c catalog) when(t time.Time) string {
	t = t.UTC()
	if c.weekdays == nil {
		return t.Format(TimeFormat)
	}
	return fmt.Sprintf("%s %d %s %d, %s UTC", c.weekdays[t.Weekday()], t.Day(), c.months[t.Month()-1], t.Year(), t.Format("15:04"))
}

// subject names the author and room of a single mention or direct message,
// or counts them and names the rooms of a batch.
func (c catalog) subject(items []chat.MentionItem) string {
	first := items[0]
	author := name(first.Message.Author.DisplayName, first.Message.Author.Username)
	var rooms []string
	seen := map[string]bool{}
	sameAuthor, direct := true, 0
	for _, it := range items {
		if !seen[it.Room.ID] {
			seen[it.Room.ID] = true
			rooms = append(rooms, c.roomLabel(it.Room))
		}
		sameAuthor = sameAuthor && it.Message.Author.ID == first.Message.Author.ID
		if it.Room.Visibility == chat.Direct {
			direct++
		}
	}
	var s string
	switch {
	case len(items) == 1 && direct == 1:
		s = fmt.Sprintf(c.directMessage, author)
	case len(items) == 1:
		s = fmt.Sprintf(c.mentionedIn, author, rooms[0])
	case sameAuthor && len(rooms) == 1 && direct > 0:
		s = fmt.Sprintf(c.directMessages, author, len(items))
	case sameAuthor && len(rooms) == 1:
		s = fmt.Sprintf(c.mentionedTimes, author, len(items), rooms[0])
	case direct > 0:
		s = fmt.Sprintf(c.messagesFor, len(items), c.joinRooms(rooms))
	default:
		s = fmt.Sprintf(c.mentions, len(items), c.joinRooms(rooms))
	}
	return oneLine(s)
}

// roomLabel names a room in an e-mail: #name, or for a direct room (which
// has no name) what it is.
func (c catalog) roomLabel(r chat.RoomRef) string {
	if r.Visibility == chat.Direct {
		return c.aDirectMessage
	}
	return "#" + r.Name
}

// subjectRooms is how many room names a subject lists before "and N more".
const subjectRooms = 3

func (c catalog) joinRooms(rooms []string) string {
	if len(rooms) > subjectRooms {
		return strings.Join(rooms[:subjectRooms], ", ") + c.and + fmt.Sprintf(c.moreRooms, len(rooms)-subjectRooms)
	}
	if len(rooms) == 1 {
		return rooms[0]
	}
	return strings.Join(rooms[:len(rooms)-1], ", ") + c.and + rooms[len(rooms)-1]
}

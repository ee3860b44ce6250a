package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/open-chat/openchat/internal/chat"
)

// indexNewMessages indexes the messages from rowid ? on: those of the
// group being committed (the single writer gives them the highest rowids),
// in one statement. A trigger per message would cost far more: FTS5 writes
// its pending words out as a segment at each statement savepoint, so each
// message would become a segment of its own (migration 0010). Edits and
// deletes are triggers still (0005): one message per transaction anyway.
const indexNewMessages = `INSERT INTO messages_fts (rowid, body, room_id, author_id)
	SELECT rowid, body, room_id, author_id FROM messages_search_source WHERE rowid >= ?`

// SearchMessages finds messages through the FTS5 index (migration 0005),
// newest first. The single writer appends with ascending rowids and never
// decreasing times, so rowid order is time order: FTS5 walks the matches
// by rowid from the newest and stops at the limit, instead of sorting
// every match of a common word. The rule of who reads what is
// chat.MessageSearch.ReaderID's: public rooms, or a membership.
func (s *Store) SearchMessages(ctx context.Context, q chat.MessageSearch) ([]chat.SearchHit, error) {
	where := []string{`messages_fts MATCH ?`,
		`(r.visibility = 'public' OR EXISTS (SELECT 1 FROM room_members rm WHERE rm.room_id = m.room_id AND rm.user_id = ?))`}
	args := []any{ftsQuery(q), q.ReaderID}
	if q.AuthorID != "" {
		where, args = append(where, `m.author_id = ?`), append(args, q.AuthorID)
	}
	if len(q.RoomIDs) > 0 {
		where = append(where, `m.room_id IN (`+placeholders(len(q.RoomIDs))+`)`)
		for _, id := range q.RoomIDs {
			args = append(args, id)
		}
	}
	if !q.Before.IsZero() {
		where, args = append(where, `m.created_at < ?`), append(args, q.Before.UnixMilli())
	}
	if !q.After.IsZero() {
		where, args = append(where, `m.created_at > ?`), append(args, q.After.UnixMilli())
	}
	if !q.Cursor.IsZero() { // a cursor whose message is gone ends the listing
		where, args = append(where, `messages_fts.rowid < (SELECT rowid FROM messages WHERE id = ?)`), append(args, q.Cursor.ID)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+msgCols+`, r.name, r.visibility
		FROM messages_fts JOIN messages m ON m.rowid = messages_fts.rowid
		JOIN users u ON u.id = m.author_id JOIN rooms r ON r.id = m.room_id
		WHERE `+strings.Join(where, " AND ")+` ORDER BY messages_fts.rowid DESC LIMIT ?`, append(args, q.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("search messages: %w", err)
	}
	out, err := collectRows(rows, func(sc scanner) (chat.SearchHit, error) {
		var h chat.SearchHit
		m, err := scanMessage(sc, &h.Room.Name, &h.Room.Visibility)
		h.Message, h.Room.ID = m, m.RoomID
		return h, err
	})
	if err != nil {
		return nil, fmt.Errorf("search messages: %w", err)
	}
	return out, nil
}

// ftsQuery writes q as an FTS5 query: quoted words and phrases of the
// body, all required, the last word as a prefix when q says so; and the
// room and author ids as the index holds them (ftsID). The SQL filters
// on room and author stay: these only narrow the words' lists fast.
func ftsQuery(q chat.MessageSearch) string {
	var parts []string
	for i, w := range q.Query.Words {
		p := ftsPhrase([]string{w})
		if q.Query.Prefix && i == len(q.Query.Words)-1 {
			p += "*"
		}
		parts = append(parts, p)
	}
	for _, ph := range q.Query.Phrases {
		parts = append(parts, ftsPhrase(ph))
	}
	out := "body : (" + strings.Join(parts, " AND ") + ")"
	if len(q.RoomIDs) > 0 {
		ids := make([]string, len(q.RoomIDs))
		for i, id := range q.RoomIDs {
			ids[i] = ftsID(id)
		}
		out += " AND room_id : (" + strings.Join(ids, " OR ") + ")"
	}
	if q.AuthorID != "" {
		out += " AND author_id : " + ftsID(q.AuthorID)
	}
	return out
}

// ftsPhrase quotes words (folded letters and digits, chat.SearchTokens)
// as one FTS5 phrase.
func ftsPhrase(words []string) string {
	return `"` + strings.ReplaceAll(strings.Join(words, " "), `"`, `""`) + `"`
}

// ftsID is an id as the index holds it: without its dashes (the triggers'
// replace), split into words as unicode61 splits it (one word for a UUID).
func ftsID(id string) string {
	return ftsPhrase(chat.SearchTokens(strings.ReplaceAll(id, "-", "")))
}

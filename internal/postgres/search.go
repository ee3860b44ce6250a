package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/open-chat/openchat/internal/chat"
)

// SearchMessages finds messages through the GIN index on messages.search
// (migration 0005) and sorts the matches newest first. The rule of who
// reads what is chat.MessageSearch.ReaderID's: public rooms, or a
// membership.
func (s *Store) SearchMessages(ctx context.Context, q chat.MessageSearch) ([]chat.SearchHit, error) {
	// An unnamed statement is planned with its values every time: a cached
	// generic plan cannot tell a rare word (use the GIN index) from a
	// common one (walk created_at backwards), and picks wrong for one.
	args := []any{pgx.QueryExecModeExec, tsQuery(q.Query), q.ReaderID}
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)-1) }
	where := []string{`m.search @@ to_tsquery('simple', openchat_unaccent($1))`,
		`(r.visibility = 'public' OR EXISTS (SELECT 1 FROM room_members rm WHERE rm.room_id = m.room_id AND rm.user_id = $2))`}
	if q.AuthorID != "" {
		where = append(where, `m.author_id = `+arg(q.AuthorID))
	}
	if len(q.RoomIDs) > 0 {
		where = append(where, `m.room_id = ANY(`+arg(q.RoomIDs)+`)`)
	}
	if !q.Before.IsZero() {
		where = append(where, `m.created_at < `+arg(q.Before.Time))
	}
	if !q.After.IsZero() {
		where = append(where, `m.created_at > `+arg(q.After.Time))
	}
	if !q.Cursor.IsZero() {
		where = append(where, `(m.created_at, m.id) < (`+arg(q.Cursor.At.Time)+`, `+arg(q.Cursor.ID)+`)`)
	}
	rows, err := s.pool.Query(ctx, `SELECT `+msgCols+`, r.name, r.visibility
		FROM messages m JOIN users u ON u.id = m.author_id JOIN rooms r ON r.id = m.room_id
		WHERE `+strings.Join(where, " AND ")+` ORDER BY m.created_at DESC, m.id DESC LIMIT `+arg(q.Limit), args...)
	if err != nil {
		return nil, fmt.Errorf("search messages: %w", err)
	}
	hits, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (chat.SearchHit, error) {
		var h chat.SearchHit
		m, err := scanMessage(r, &h.Room.Name, &h.Room.Visibility)
		h.Message, h.Room.ID = m, m.RoomID
		return h, err
	})
	if err != nil {
		return nil, fmt.Errorf("search messages: %w", err)
	}
	return hits, nil
}

// tsQuery writes q as a tsquery: quoted lexemes joined by & (all
// required), phrases with <-> (adjacent, in order), the last word with :*
// when it is a prefix. Words are folded letters and digits
// (chat.SearchTokens); quoting covers anything else.
func tsQuery(q chat.SearchQuery) string {
	lexeme := func(w string) string {
		return `'` + strings.NewReplacer(`'`, `''`, `\`, `\\`).Replace(w) + `'`
	}
	var parts []string
	for i, w := range q.Words {
		p := lexeme(w)
		if q.Prefix && i == len(q.Words)-1 {
			p += ":*"
		}
		parts = append(parts, p)
	}
	for _, ph := range q.Phrases {
		ls := make([]string, len(ph))
		for i, w := range ph {
			ls[i] = lexeme(w)
		}
		parts = append(parts, "("+strings.Join(ls, " <-> ")+")")
	}
	return strings.Join(parts, " & ")
}

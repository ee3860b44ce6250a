package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/open-chat/openchat/internal/chat"
)

// searchWalk is how many of an author's or a room's newest messages a
// search with from: or in: checks in time order before it asks the GIN
// index instead (SearchMessages).
const searchWalk = 2000

// SearchMessages finds messages through the GIN index on messages.search
// (migration 0005) and sorts the matches newest first. The rule of who
// reads what is chat.MessageSearch.ReaderID's: public rooms, or a
// membership.
//
// With one author or one room, it first walks that author's or room's
// newest searchWalk messages in time order (migration 0011's indexes) and
// checks each: a common word fills the page within a few hundred rows.
// Left to itself, the planner intersects the GIN list of the word with the
// author's or room's rows and sorts the lot, which it costs lower but takes
// ten times longer with everything cached (docs/performance.md). A page
// that walk does not fill (a rarer word) is asked again the planner's way.
func (s *Store) SearchMessages(ctx context.Context, q chat.MessageSearch) ([]chat.SearchHit, error) {
	if q.AuthorID != "" || len(q.RoomIDs) == 1 {
		hits, err := s.searchMessages(ctx, q, true)
		if err != nil || len(hits) == q.Limit {
			return hits, err
		}
	}
	return s.searchMessages(ctx, q, false)
}

// searchMessages runs one search; walk: only among the newest searchWalk
// messages of q's room or author (q has one).
func (s *Store) searchMessages(ctx context.Context, q chat.MessageSearch, walk bool) ([]chat.SearchHit, error) {
	// An unnamed statement is planned with its values every time: a cached
	// generic plan cannot tell a rare word (use the GIN index) from a
	// common one (walk created_at backwards), and picks wrong for one.
	args := []any{pgx.QueryExecModeExec, tsQuery(q.Query), q.ReaderID}
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)-1) }
	var where []string // on messages alone
	switch len(q.RoomIDs) {
	case 0:
	case 1: // an equality, not = ANY: only then is (room_id, created_at, id) in time order
		where = append(where, `m.room_id = `+arg(q.RoomIDs[0]))
	default:
		where = append(where, `m.room_id = ANY(`+arg(q.RoomIDs)+`)`)
	}
	if q.AuthorID != "" {
		where = append(where, `m.author_id = `+arg(q.AuthorID))
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
	limit := arg(q.Limit)
	match := `m.search @@ to_tsquery('simple', openchat_unaccent($1))`
	member := `EXISTS (SELECT 1 FROM room_members rm WHERE rm.room_id = m.room_id AND rm.user_id = $2)`
	query := `SELECT ` + msgCols + `, r.name, r.visibility
		FROM messages m JOIN users u ON u.id = m.author_id JOIN rooms r ON r.id = m.room_id
		WHERE ` + strings.Join(append([]string{match, `(r.visibility = 'public' OR ` + member + `)`}, where...), " AND ") +
		` ORDER BY m.created_at DESC, m.id DESC LIMIT ` + limit
	if walk {
		// The inner LIMIT keeps the word out of the walk, so the planner
		// can only read the index of its filters in order; the room's
		// visibility is a subquery per row, not a join, since a join would
		// make the planner read all searchWalk rows and sort the matches.
		query = `SELECT ` + msgCols + `, r.name, r.visibility
		FROM (SELECT * FROM (SELECT * FROM messages m WHERE ` + strings.Join(where, " AND ") +
			` ORDER BY m.created_at DESC, m.id DESC LIMIT ` + strconv.Itoa(searchWalk) + `) m
			WHERE ` + match + ` AND ((SELECT r.visibility FROM rooms r WHERE r.id = m.room_id) = 'public' OR ` + member + `)
			ORDER BY m.created_at DESC, m.id DESC LIMIT ` + limit + `) m
		JOIN users u ON u.id = m.author_id JOIN rooms r ON r.id = m.room_id
		ORDER BY m.created_at DESC, m.id DESC`
	}
	rows, err := s.pool.Query(ctx, query, args...)
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

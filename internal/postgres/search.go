package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/open-chat/openchat/internal/chat"
)

// searchWalk is how many of the newest messages (of one author, one room,
// or all) a search checks in time order before it asks the GIN index
// instead (SearchMessages).
const searchWalk = 2000

// SearchMessages finds messages through the GIN index on messages.search
// (migration 0005) and sorts the matches newest first: by seq when it
// searches one room for any author (the room's commit order, which is its
// time order; SQLite's rowid order is the same), else by (created_at, id).
// The rule of who reads what is chat.MessageSearch.ReaderID's: public
// rooms, or a membership.
//
// It first walks the newest searchWalk messages in time order, of the
// author by (author_id, created_at, id) (migration 0011), of the room by
// (room_id, seq), or of all by (created_at, id), and checks each: a common
// word fills the page within a few hundred rows. A page that walk does not
// fill is a word rare in the newest messages, and is asked again as a set:
// every match from the GIN index, filtered, then sorted. Left to itself,
// the planner guessed: it intersected a common word's GIN list with an
// author's or room's rows and sorted the lot (ten times slower with
// everything cached), and walked the whole history by time for a word
// nobody wrote, which it cannot tell from a common one (0.6 s at 1,000,000
// messages; docs/performance.md).
func (s *Store) SearchMessages(ctx context.Context, q chat.MessageSearch) ([]chat.SearchHit, error) {
	hits, err := s.searchMessages(ctx, q, true)
	if err != nil || len(hits) == q.Limit {
		return hits, err
	}
	return s.searchMessages(ctx, q, false)
}

// searchMessages runs one search: walk, among the newest searchWalk
// messages of q's author, room or all; else every match of the words.
func (s *Store) searchMessages(ctx context.Context, q chat.MessageSearch, walk bool) ([]chat.SearchHit, error) {
	// An unnamed statement is planned with its values every time: a cached
	// generic plan cannot tell a rare word from a common one.
	args := []any{pgx.QueryExecModeExec, tsQuery(q.Query), q.ReaderID}
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)-1) }
	// window: the rows the walk reads in order; checked: what it checks on
	// each. The query of every match asks for both.
	var window, checked []string
	order := `m.created_at DESC, m.id DESC`
	if len(q.RoomIDs) == 1 && q.AuthorID == "" {
		window, checked, order = roomWindow(q, arg), roomTimes(q, arg), `m.seq DESC`
	} else {
		if len(q.RoomIDs) > 0 {
			// With an author, the author's messages in time order are
			// checked for the rooms; without, the newest of all are.
			checked = append(checked, `m.room_id = ANY(`+arg(q.RoomIDs)+`)`)
		}
		if q.AuthorID != "" {
			window = append(window, `m.author_id = `+arg(q.AuthorID))
		}
		if !q.Before.IsZero() {
			window = append(window, `m.created_at < `+arg(q.Before.Time))
		}
		if !q.After.IsZero() {
			window = append(window, `m.created_at > `+arg(q.After.Time))
		}
		if !q.Cursor.IsZero() {
			window = append(window, `(m.created_at, m.id) < (`+arg(q.Cursor.At.Time)+`, `+arg(q.Cursor.ID)+`)`)
		}
	}
	limit := arg(q.Limit)
	match := `m.search @@ to_tsquery('simple', openchat_unaccent($1))`
	// The room's visibility is a subquery per row, not a join: as a join,
	// the planner read all searchWalk rows and sorted the matches.
	readable := `((SELECT r.visibility FROM rooms r WHERE r.id = m.room_id) = 'public' OR
		EXISTS (SELECT 1 FROM room_members rm WHERE rm.room_id = m.room_id AND rm.user_id = $2))`
	where := func(conds ...string) string {
		if len(conds) == 0 {
			return ``
		}
		return ` WHERE ` + strings.Join(conds, " AND ")
	}
	// Every match as a set: OFFSET 0 keeps the page's LIMIT and order out
	// of the subquery, so the planner reads the word's GIN list rather than
	// walking an index in order and hoping to meet matches soon.
	found := `SELECT * FROM messages m` + where(append(append([]string{match}, window...), checked...)...) + ` OFFSET 0`
	if walk {
		// The inner LIMIT keeps the word out of the walk, so the planner
		// can only read the index of its filters in order.
		found = `SELECT * FROM (SELECT * FROM messages m` + where(window...) + ` ORDER BY ` + order +
			` LIMIT ` + strconv.Itoa(searchWalk) + `) m` + where(append([]string{match}, checked...)...)
	}
	query := `SELECT ` + msgCols + `, r.name, r.visibility
		FROM (SELECT * FROM (` + found + `) m WHERE ` + readable + ` ORDER BY ` + order + ` LIMIT ` + limit + `) m
		JOIN users u ON u.id = m.author_id JOIN rooms r ON r.id = m.room_id
		ORDER BY ` + order
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

// roomWindow bounds a search of one room by seq, so that its rows are
// read by (room_id, seq), the room's commit order. Within a room,
// created_at never decreases as seq grows (AppendMessage reads the time
// after locking the room), so a time bound is a seq bound, found by
// seqBound. The cursor is its message's seq: a cursor whose message is
// gone ends the listing, as on SQLite.
func roomWindow(q chat.MessageSearch, arg func(any) string) []string {
	room := arg(q.RoomIDs[0])
	w := []string{`m.room_id = ` + room}
	if !q.Before.IsZero() {
		w = append(w, `m.seq < `+seqBound(room, `x.created_at < `+arg(q.Before.Time)))
	}
	if !q.After.IsZero() {
		w = append(w, `m.seq >= `+seqBound(room, `x.created_at <= `+arg(q.After.Time)))
	}
	if !q.Cursor.IsZero() {
		w = append(w, `m.seq < (SELECT c.seq FROM messages c WHERE c.id = `+arg(q.Cursor.ID)+` AND c.room_id = `+room+`)`)
	}
	return w
}

// roomTimes checks a room window's rows against the times themselves, a
// guard should a clock step ever have broken the order. They are kept out
// of the window: there the planner would take a time for the narrower
// bound and read messages_created_at instead of walking the room.
func roomTimes(q chat.MessageSearch, arg func(any) string) []string {
	var c []string
	if !q.Before.IsZero() {
		c = append(c, `m.created_at < `+arg(q.Before.Time))
	}
	if !q.After.IsZero() {
		c = append(c, `m.created_at > `+arg(q.After.Time))
	}
	return c
}

// seqBound is SQL for the lowest seq k of room such that no message x of
// the room from k on holds probe, a condition on x that holds for the
// room's first messages and, once false, stays false as seq grows (a time
// or a change number at most some value: both grow with seq). It is a
// binary search over (room_id, seq), about log2(last_seq) index probes,
// each reading the first message at or after the middle seq (seqs have
// gaps where messages were removed; OFFSET 0 keeps the planner from copying
// the probe into both CASEs). An index on (room_id, created_at) or on
// (room_id, change) would answer it in one probe, but costs every message
// an insert (migrations 0016 and 0018).
func seqBound(room, probe string) string {
	return `(WITH RECURSIVE b(lo, hi) AS (
		SELECT 0::bigint, last_seq + 1 FROM rooms WHERE id = ` + room + `
		UNION ALL
		SELECT CASE WHEN p.holds THEN (b.lo + b.hi) / 2 ELSE b.lo END, CASE WHEN p.holds THEN b.hi ELSE (b.lo + b.hi) / 2 END
		FROM b, LATERAL (SELECT coalesce((SELECT ` + probe + ` FROM messages x
			WHERE x.room_id = ` + room + ` AND x.seq >= (b.lo + b.hi) / 2 ORDER BY x.seq LIMIT 1), false) AS holds OFFSET 0) p
		WHERE b.hi - b.lo > 1
	) SELECT min(hi) FROM b)`
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

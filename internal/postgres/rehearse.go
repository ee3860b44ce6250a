package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/open-chat/openchat/internal/chat"
)

// A new connection of a server's store (OpenServer) rehearses the append
// before the pool hands it out (afterConnect). pgx prepares a statement on
// its first use on each connection, and a new PostgreSQL backend's first
// message insert loads what every later one reuses: the search column's
// text search configuration, unaccent rules, regular expression and
// PL/pgSQL function, and the messages table's nine indexes. On a store
// just opened, 1,000 msg/s over 1,000 rooms queued its first few dozen
// messages behind that for 90-115 ms; rehearsed, the first second's p99
// was the rest's (docs/performance.md). Either half alone left 20-50 ms.

// noRoom is a room id no room has (ids are chat.NewID's hex): a statement
// that takes a seq in it finds no row and writes nothing.
const noRoom = ""

// rehearsal is one statement of the append path, with arguments that
// write nothing or only what the rehearsal's rollback undoes.
type rehearsal struct {
	sql  string
	args []any
}

// rehearsals are the statements of an append without files or a reply
// (single, with mentions, and grouped); id names the made-up room, author
// and message that insertMessageSQL inserts.
func rehearsals(id string) []rehearsal {
	none, noSeqs := []string{}, []int64{}
	return []rehearsal{
		{appendPlainSQL, []any{noRoom, noRoom, noRoom, "", nil, "[]"}},
		{appendJoinSQL, []any{noRoom, noRoom, noRoom, "", nil, "[]"}},
		{takeSeq, []any{noRoom, noRoom}},
		{insertMessageSQL, []any{id, id, int64(1), id, "rehearsal, éñ", id, "[]", int64(1), nil, false, "[]"}},
		{insertMessageMentionsSQL, []any{id, none, id}},
		{insertMessageNotificationsSQL, []any{none, id, id, time.Now()}},
		{nextSeqsSQL, []any{none, noSeqs}},
		{insertGroupSQL, []any{none, none, noSeqs, none, none, []*string{}, none, noSeqs}},
		{insertMentionsSQL, []any{none, none, none}},
		{insertNotificationsSQL, []any{none, none, none, []time.Time{}}},
		{joinAuthorsSQL, []any{none, none, noSeqs}},
	}
}

// rehearse runs the append path's statements on conn in a transaction
// that it rolls back. It leaves nothing visible (one dead row, for
// vacuum) and locks no row another writer could wait for: the one message
// it inserts is in a room of its own, under made-up ids.
func rehearse(ctx context.Context, conn *pgx.Conn) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("rehearse: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	// One batch: pgx prepares the statements in one round trip and runs
	// them in another, instead of two round trips each.
	var b pgx.Batch
	rs := rehearsals(chat.NewID())
	for _, r := range rs {
		b.Queue(r.sql, r.args...)
	}
	br := tx.SendBatch(ctx, &b)
	for _, r := range rs {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return fmt.Errorf("rehearse %.40q: %w", r.sql, err)
		}
	}
	if err := br.Close(); err != nil {
		return fmt.Errorf("rehearse: %w", err)
	}
	return tx.Rollback(ctx)
}

// afterConnect rehearses on each new connection of a server's pool (the
// schema is migrated by then). A connection whose rehearsal fails is still
// used, only slower to start, and the failure is logged; unless the
// failure closed it, when the pool gets the error, as for a failed
// connect.
func (s *Store) afterConnect(ctx context.Context, conn *pgx.Conn) error {
	if err := rehearse(ctx, conn); err != nil {
		if conn.IsClosed() {
			return err
		}
		s.log.WarnContext(ctx, "new database connection not rehearsed", "err", err)
	}
	return nil
}

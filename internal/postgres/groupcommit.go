package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/open-chat/openchat/internal/chat"
)

// Group commit. Every commit waits for PostgreSQL to flush its WAL, so one
// transaction per message caps ingest at a few thousand messages per second
// however fast the rest is. Appends therefore queue, and one committer
// at a time (the caller that found the queue idle, or the first caller
// queued behind the last commit) takes whatever is queued at that moment
// (never waiting for more: a lone message commits alone, at once) and stores the whole group
// in one transaction with a handful of set-based statements. Nothing is
// acknowledged before that transaction commits (synchronous_commit is left
// as the server has it: on by default).
//
// The group first locks its rooms (in id order on every instance, so two
// instances never deadlock). A client_id sent twice within the group is
// stored once. A client_id stored before (a retry) makes the insert fail
// on the unique index; the group then runs again and, holding the room
// locks, first looks its client_ids up: an append that committed in a
// locked room is visible to every later statement, so a duplicate is
// answered with the stored message and takes no seq. (Looking up first
// every time would cost every group a query for the rare retry.) A message
// for an unknown room fails alone. Any other error (a deadlock with
// another kind of writer, an unknown author, a lost connection) rolls the
// group back and each message is appended on its own by appendOne, which
// reports its own error: one bad message never fails the others, and seq
// stays gapless because the failed group left no trace.
//
// The queueing lives in internal/groupcommit; this file is what one group
// does. Up to Committers groups commit at once (on the database's cores,
// and while another group waits for its WAL flush); a room is in at most
// one of them, so its appends commit in order. A message waits for its own
// room's commit, for all Committers to be busy, or, behind a backlog, for
// a commit to end so it joins a larger group; never longer than GroupLinger
// for another room's commit, so a room whose row is locked elsewhere holds
// up only itself and the rooms whose messages share its group.
const (
	// MaxGroup bounds the messages committed in one transaction.
	MaxGroup = 256
	// GroupTimeout bounds one group transaction.
	GroupTimeout = 10 * time.Second
	// GroupLinger bounds how long a message behind a backlog waits for a
	// commit in flight to end before taking a free committer. It is longer
	// than a group's commit at moderate load (1–2 ms at 1,000 msg/s on the
	// test machine), so a backlog goes out as one group, and short enough
	// that a room locked elsewhere costs the other rooms a few
	// milliseconds. Under full ingest, where a group takes 10–15 ms, it
	// fires; 2, 5 and 20 ms measured alike there (docs/performance.md).
	GroupLinger = 5 * time.Millisecond
	// Committers is how many groups one store commits at once, each on
	// its own connection. When rooms were hashed to this many queues, 2
	// put the append p99 at 5–16 ms at 1,000 msg/s over 1,000 rooms on the
	// test machine and 8 about 2 ms (PostgreSQL flushes concurrent
	// commits' WAL together); with a room in one group at a time (before
	// the backlog rule), 2, 4 and 8 measured alike (docs/performance.md).
	// Open sizes the pool for them.
	Committers = 8
	// PoolConns is the pool size Open sets when the URL sets none: the
	// committers plus room for reads. (pgxpool's default is max(4, CPUs).)
	PoolConns = Committers + 4
)

type appendRes struct {
	msg     chat.Message
	created bool
	err     error
}

// commitGroup commits group in one transaction, or, if that fails, each
// message in its own, and answers every caller.
func (s *Store) commitGroup(ctx context.Context, group []chat.NewMessage) []appendRes {
	if len(group) == 1 {
		msg, created, err := s.appendOne(ctx, group[0])
		return []appendRes{{msg: msg, created: created, err: err}}
	}
	res, err := s.appendGroup(ctx, group, false)
	if isUnique(err) { // a retry of a stored message: look client_ids up first
		res, err = s.appendGroup(ctx, group, true)
	}
	if err != nil {
		s.fallbacks.Add(1)
		s.log.Debug("group commit fell back to single appends", "size", len(group), "err", err)
		for i, m := range group {
			msg, created, err := s.appendOne(ctx, m)
			res[i] = appendRes{msg: msg, created: created, err: err}
		}
	}
	return res
}

// groupKey names a client_id within the group.
type groupKey struct{ room, author, clientID string }

// appendGroup stores every new message of group in one transaction,
// assigning seqs in queue order per room. With lookup, client_ids already
// stored are answered with their message. It returns one answer per
// message, or an error if the transaction did not commit.
func (s *Store) appendGroup(ctx context.Context, group []chat.NewMessage, lookup bool) ([]appendRes, error) {
	res := make([]appendRes, len(group))
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// Without lookup the rooms are locked by insertGroup's seq update,
		// in id order too, a statement and a round trip fewer a group;
		// rooms is then nil, and the messages of unknown rooms are
		// answered there.
		var rooms map[string]bool
		if lookup {
			var err error
			if rooms, err = lockRooms(ctx, tx, group); err != nil {
				return err
			}
		}
		firstOf, err := s.knownClientIDs(ctx, tx, group, rooms, lookup, res)
		if err != nil {
			return err
		}
		fresh := make([]int, 0, len(group)) // indexes of the messages to insert
		for i, m := range group {
			switch {
			case rooms != nil && !rooms[m.RoomID]:
				res[i].err = errNoRoom
			case res[i].msg.ID != "": // stored before
			case m.ClientID != "" && firstOf[key(m)] != i: // sent twice in this group: answered after insert
			default:
				fresh = append(fresh, i)
			}
		}
		if len(fresh) > 0 {
			if err := insertGroup(ctx, tx, group, fresh, res); err != nil {
				return err
			}
		}
		for i, m := range group {
			if j, ok := firstOf[key(m)]; ok && m.ClientID != "" && j != i && res[i].msg.ID == "" && res[i].err == nil {
				res[i] = appendRes{msg: res[j].msg, err: res[j].err} // created=false: the first copy created it
			}
		}
		return nil
	})
	return res, err
}

func key(m chat.NewMessage) groupKey { return groupKey{m.RoomID, m.Author.ID, m.ClientID} }

// errNoRoom answers a message of the group for a room that does not exist.
var errNoRoom = chat.Errorf(chat.ENOTFOUND, "room not found")

// lockRooms locks the group's rooms in id order and reports which exist.
func lockRooms(ctx context.Context, tx pgx.Tx, group []chat.NewMessage) (map[string]bool, error) {
	ids := make([]string, 0, len(group))
	for _, m := range group {
		ids = append(ids, m.RoomID)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	rows, err := tx.Query(ctx, `SELECT id FROM rooms WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE`, ids)
	if err != nil {
		return nil, fmt.Errorf("lock rooms: %w", err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("lock rooms: %w", err)
	}
	out := make(map[string]bool, len(found))
	for _, id := range found {
		out[id] = true
	}
	return out, nil
}

// knownClientIDs returns the index of the first message carrying each
// client_id of the group and, with lookup, answers in res every message
// whose client_id is already stored. It must run while the rooms are locked.
func (s *Store) knownClientIDs(ctx context.Context, tx pgx.Tx, group []chat.NewMessage, rooms map[string]bool, lookup bool, res []appendRes) (map[groupKey]int, error) {
	firstOf := map[groupKey]int{}
	var qRoom, qAuthor, qClient []string
	for i, m := range group {
		if m.ClientID == "" || rooms != nil && !rooms[m.RoomID] {
			continue
		}
		if _, ok := firstOf[key(m)]; !ok {
			firstOf[key(m)] = i
			qRoom, qAuthor, qClient = append(qRoom, m.RoomID), append(qAuthor, m.Author.ID), append(qClient, m.ClientID)
		}
	}
	if !lookup || len(qRoom) == 0 {
		return firstOf, nil
	}
	// Planned afresh each time (QueryExecModeExec): a plan cached while
	// messages was nearly empty would scan the whole table once it is not.
	rows, err := tx.Query(ctx, `SELECT `+msgCols+` FROM unnest($1::text[], $2::text[], $3::text[]) AS k(room_id, author_id, client_id)
		JOIN messages m ON m.room_id = k.room_id AND m.author_id = k.author_id AND m.client_id = k.client_id
		JOIN users u ON u.id = m.author_id`, pgx.QueryExecModeExec, qRoom, qAuthor, qClient)
	if err != nil {
		return nil, fmt.Errorf("known client ids: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, fmt.Errorf("known client ids: %w", err)
		}
		for i, g := range group {
			if g.ClientID == m.ClientID && g.RoomID == m.RoomID && g.Author.ID == m.Author.ID {
				res[i] = appendRes{msg: m}
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("known client ids: %w", err)
	}
	return firstOf, nil
}

// A group's statements (insertGroup, joinAuthors), rehearsed on every new
// connection (rehearse.go).
const (
	nextSeqsSQL = `UPDATE rooms SET last_seq = rooms.last_seq + c.n, last_change = rooms.last_change + c.n
		FROM (SELECT r.id, c.n FROM rooms r JOIN unnest($1::text[], $2::bigint[]) AS c(id, n) ON r.id = c.id
			ORDER BY r.id FOR NO KEY UPDATE OF r) AS c
		WHERE rooms.id = c.id RETURNING rooms.id, rooms.last_seq, rooms.last_change`
	insertGroupSQL = `INSERT INTO messages (id, room_id, seq, author_id, body, client_id, mentions, created_at, change, first_change)
		SELECT id, room_id, seq, author_id, body, client_id, mentions, date_trunc('milliseconds', clock_timestamp()), change, change
		FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[])
			AS x(id, room_id, seq, author_id, body, client_id, mentions, change)
		WHERE EXISTS (SELECT 1 FROM users u WHERE u.id = x.author_id)
		ORDER BY room_id, seq
		RETURNING id, created_at`
	insertMentionsSQL      = `INSERT INTO mentions (message_id, user_id, room_id) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])`
	insertNotificationsSQL = `INSERT INTO notifications (user_id, message_id, room_id, created_at)
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])`
	joinAuthorsSQL = `INSERT INTO room_members (room_id, user_id, role, joined_at, last_read_seq)
		SELECT room_id, author_id, 'member', date_trunc('milliseconds', clock_timestamp()), max(seq)
		FROM unnest($1::text[], $2::text[], $3::bigint[]) AS t(room_id, author_id, seq) GROUP BY room_id, author_id
		ON CONFLICT (room_id, user_id) DO UPDATE SET last_read_seq = GREATEST(room_members.last_read_seq, EXCLUDED.last_read_seq)`
)

// insertGroup takes seqs for the messages group[fresh] (their rooms exist
// and are locked) and inserts them with their mentions and notifications.
func insertGroup(ctx context.Context, tx pgx.Tx, group []chat.NewMessage, fresh []int, res []appendRes) error {
	perRoom := map[string]int64{}
	for _, i := range fresh {
		perRoom[group[i].RoomID]++
	}
	rooms := make([]string, 0, len(perRoom))
	counts := make([]int64, 0, len(perRoom))
	for id, n := range perRoom {
		rooms, counts = append(rooms, id), append(counts, n)
	}
	// The subquery locks the rooms in id order (lockRooms may have already).
	rows, err := tx.Query(ctx, nextSeqsSQL, rooms, counts)
	if err != nil {
		return fmt.Errorf("next seqs: %w", err)
	}
	next := map[string]int64{}       // the next seq to give in each room
	nextChange := map[string]int64{} // and the next change number
	var id string
	var last, lastChange int64
	if _, err := pgx.ForEachRow(rows, []any{&id, &last, &lastChange}, func() error {
		next[id] = last - perRoom[id] + 1
		nextChange[id] = lastChange - perRoom[id] + 1
		return nil
	}); err != nil {
		return fmt.Errorf("next seqs: %w", err)
	}
	if len(next) != len(rooms) { // unknown rooms: their messages fail alone
		fresh = slices.DeleteFunc(fresh, func(i int) bool {
			if _, ok := next[group[i].RoomID]; !ok {
				res[i].err = errNoRoom
				return true
			}
			return false
		})
		if len(fresh) == 0 {
			return nil
		}
	}
	n := len(fresh)
	ids, roomIDs, authors, bodies, mentions := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	clientIDs, seqs, changes := make([]*string, n), make([]int64, n), make([]int64, n)
	var mMsg, mUser, mRoom []string // mentions
	var nMsg, nUser, nRoom []string // notifications
	for k, i := range fresh {
		m := &group[i]
		ids[k], roomIDs[k], authors[k], bodies[k], mentions[k] = m.ID, m.RoomID, m.Author.ID, m.Body, encodeMentions(m.Mentions)
		if m.ClientID != "" {
			clientIDs[k] = &m.ClientID
		}
		seqs[k], changes[k] = next[m.RoomID], nextChange[m.RoomID]
		next[m.RoomID]++
		nextChange[m.RoomID]++
		for _, u := range m.MentionUserIDs {
			mMsg, mUser, mRoom = append(mMsg, m.ID), append(mUser, u), append(mRoom, m.RoomID)
		}
		for _, u := range slices.Concat(m.MentionUserIDs, m.NotifyUserIDs) {
			nMsg, nUser, nRoom = append(nMsg, m.ID), append(nUser, u), append(nRoom, m.RoomID)
		}
	}
	// clock_timestamp() is read row by row after the rooms were locked, in
	// (room, seq) order: created_at never goes backwards as seq grows.
	rows, err = tx.Query(ctx, insertGroupSQL, ids, roomIDs, seqs, authors, bodies, clientIDs, mentions, changes)
	if err != nil {
		return fmt.Errorf("insert messages: %w", err)
	}
	created := make(map[string]time.Time, n)
	var at time.Time
	if _, err := pgx.ForEachRow(rows, []any{&id, &at}, func() error {
		created[id] = at
		return nil
	}); err != nil {
		return fmt.Errorf("insert messages: %w", err)
	}
	if len(created) != n { // no foreign key: the rest fail alone (appendOne says which)
		return errors.New("insert messages: an author does not exist")
	}
	if len(mMsg) > 0 {
		if _, err := tx.Exec(ctx, insertMentionsSQL, mMsg, mUser, mRoom); err != nil {
			return fmt.Errorf("insert mentions: %w", err)
		}
	}
	if len(nMsg) > 0 {
		nAt := make([]time.Time, len(nMsg))
		for k, id := range nMsg {
			nAt[k] = created[id]
		}
		if _, err := tx.Exec(ctx, insertNotificationsSQL, nUser, nMsg, nRoom, nAt); err != nil {
			return fmt.Errorf("insert notifications: %w", err)
		}
	}
	joins := make([]bool, n)
	for k, i := range fresh {
		joins[k] = group[i].Join
	}
	if err := joinAuthors(ctx, tx, roomIDs, authors, seqs, joins); err != nil {
		return err
	}
	for k, i := range fresh {
		m := group[i]
		ms := slices.Clone(m.Mentions)
		if ms == nil {
			ms = []string{}
		}
		res[i] = appendRes{created: true, msg: chat.Message{ID: m.ID, RoomID: m.RoomID, Seq: seqs[k], Author: m.Author, Body: m.Body,
			CreatedAt: ts(created[m.ID]), ClientID: m.ClientID, Mentions: ms, Change: changes[k], Reactions: []chat.Reaction{}, Attachments: []chat.Upload{}}}
	}
	return nil
}

// joinAuthors makes the authors with join set members of their (public)
// rooms, having read up to their newest message of the group. Other
// authors' read positions move later, in batches (chat's read coalescer).
func joinAuthors(ctx context.Context, tx pgx.Tx, rooms, authors []string, seqs []int64, joins []bool) error {
	var jRoom, jAuthor []string
	var jSeq []int64
	for k := range rooms {
		if joins[k] {
			jRoom, jAuthor, jSeq = append(jRoom, rooms[k]), append(jAuthor, authors[k]), append(jSeq, seqs[k])
		}
	}
	if len(jRoom) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, joinAuthorsSQL, jRoom, jAuthor, jSeq); err != nil {
		return fmt.Errorf("join: %w", err)
	}
	return nil
}

package postgres

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/open-chat/openchat/internal/chat"
)

// Group commit. Every commit waits for PostgreSQL to flush its WAL, so one
// transaction per message caps ingest at a few thousand messages per second
// however fast the rest is. Appends therefore go through one committer
// goroutine that takes whatever is queued at that moment (never waiting for
// more: a lone message commits alone, at once) and stores the whole group
// in one transaction with a handful of set-based statements. Nothing is
// acknowledged before that transaction commits.
//
// The group path assumes every message is valid. If anything fails (an
// unknown room, a client_id that a concurrent retry committed first, a
// deadlock with another instance), the transaction rolls back and each
// message of the group is appended on its own by appendOne, which reports
// its own error: one bad message never fails the others, and seq stays
// gapless because the failed group left no trace.
const (
	// MaxGroup bounds the messages committed in one transaction.
	MaxGroup = 256
	// GroupTimeout bounds one group transaction.
	GroupTimeout = 10 * time.Second
)

type appendReq struct {
	m    chat.NewMessage
	done chan appendRes
}

type appendRes struct {
	msg     chat.Message
	created bool
	err     error
}

// committer runs until quit closes, committing queued appends in groups.
func (s *Store) committer() {
	defer close(s.stopped)
	for {
		var first appendReq
		select {
		case first = <-s.appends:
		case <-s.quit:
			for { // commit what was queued before Close
				select {
				case r := <-s.appends:
					s.commitGroup([]appendReq{r})
				default:
					return
				}
			}
		}
		group := []appendReq{first}
	drain:
		for len(group) < MaxGroup {
			select {
			case r := <-s.appends:
				group = append(group, r)
			default:
				break drain
			}
		}
		if len(group) > 1 {
			s.grouped.Add(1)
		}
		s.commitGroup(group)
	}
}

func (s *Store) commitGroup(group []appendReq) {
	ctx, cancel := context.WithTimeout(context.Background(), GroupTimeout)
	defer cancel()
	if len(group) > 1 {
		out, err := s.appendGroup(ctx, group)
		if err == nil {
			for i, r := range group {
				r.done <- appendRes{msg: out[i], created: true}
			}
			return
		}
		s.log.Debug("group commit fell back to single appends", "size", len(group), "err", err)
	}
	for _, r := range group {
		msg, created, err := s.appendOne(ctx, r.m)
		r.done <- appendRes{msg: msg, created: created, err: err}
	}
}

// appendGroup stores every message of group in one transaction, assigning
// seqs in queue order per room.
func (s *Store) appendGroup(ctx context.Context, group []appendReq) ([]chat.Message, error) {
	perRoom := map[string]int64{}
	for _, r := range group {
		perRoom[r.m.RoomID]++
	}
	rooms := make([]string, 0, len(perRoom))
	for id := range perRoom {
		rooms = append(rooms, id)
	}
	sort.Strings(rooms) // lock rooms in one order on every instance: no deadlock cycles
	counts := make([]int64, len(rooms))
	for i, id := range rooms {
		counts[i] = perRoom[id]
	}
	out := make([]chat.Message, len(group))
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT 1 FROM rooms WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE`, rooms); err != nil {
			return fmt.Errorf("lock rooms: %w", err)
		}
		rows, err := tx.Query(ctx, `UPDATE rooms SET last_seq = rooms.last_seq + c.n
			FROM unnest($1::text[], $2::bigint[]) AS c(id, n) WHERE rooms.id = c.id RETURNING rooms.id, rooms.last_seq`, rooms, counts)
		if err != nil {
			return fmt.Errorf("next seqs: %w", err)
		}
		next := map[string]int64{} // first seq of the group in each room
		for rows.Next() {
			var id string
			var last int64
			if err := rows.Scan(&id, &last); err != nil {
				return fmt.Errorf("next seqs: %w", err)
			}
			next[id] = last - perRoom[id] + 1
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("next seqs: %w", err)
		}
		if len(next) != len(rooms) {
			return chat.Errorf(chat.ENOTFOUND, "room not found")
		}
		n := len(group)
		ids, roomIDs, authors, bodies, mentions := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		clientIDs, seqs := make([]*string, n), make([]int64, n)
		var mMsg, mUser, mRoom []string
		for i, r := range group {
			m := r.m
			ids[i], roomIDs[i], authors[i], bodies[i], mentions[i] = m.ID, m.RoomID, m.Author.ID, m.Body, encodeMentions(m.Mentions)
			if m.ClientID != "" {
				clientIDs[i] = &group[i].m.ClientID
			}
			seqs[i] = next[m.RoomID]
			next[m.RoomID]++
			for _, u := range m.MentionUserIDs {
				mMsg, mUser, mRoom = append(mMsg, m.ID), append(mUser, u), append(mRoom, m.RoomID)
			}
		}
		rows, err = tx.Query(ctx, `INSERT INTO messages (id, room_id, seq, author_id, body, client_id, mentions, created_at)
			SELECT id, room_id, seq, author_id, body, client_id, mentions, date_trunc('milliseconds', clock_timestamp())
			FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[])
				AS x(id, room_id, seq, author_id, body, client_id, mentions)
			ORDER BY room_id, seq
			RETURNING id, created_at`, ids, roomIDs, seqs, authors, bodies, clientIDs, mentions)
		if err != nil {
			return fmt.Errorf("insert messages: %w", err)
		}
		created := make(map[string]time.Time, n)
		for rows.Next() {
			var id string
			var at time.Time
			if err := rows.Scan(&id, &at); err != nil {
				return fmt.Errorf("insert messages: %w", err)
			}
			created[id] = at
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("insert messages: %w", err)
		}
		if len(mMsg) > 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO mentions (message_id, user_id, room_id) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])`,
				mMsg, mUser, mRoom); err != nil {
				return fmt.Errorf("insert mentions: %w", err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO notifications (user_id, message_id, room_id, created_at)
				SELECT x.u, x.m, x.r, msg.created_at FROM unnest($1::text[], $2::text[], $3::text[]) AS x(u, m, r)
				JOIN messages msg ON msg.id = x.m`, mUser, mMsg, mRoom); err != nil {
				return fmt.Errorf("insert notifications: %w", err)
			}
		}
		for i, r := range group {
			m := r.m
			ms := slices.Clone(m.Mentions)
			if ms == nil {
				ms = []string{}
			}
			out[i] = chat.Message{ID: m.ID, RoomID: m.RoomID, Seq: seqs[i], Author: m.Author, Body: m.Body,
				CreatedAt: ts(created[m.ID]), ClientID: m.ClientID, Mentions: ms}
		}
		return nil
	})
	return out, err
}

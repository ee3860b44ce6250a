package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// SearchIndexInterval is how often RunSearchIndexer indexes what was
// written since. A search does not wait for it: it indexes what is left
// first (SearchMessages).
const SearchIndexInterval = time.Second

// searchIndexRooms is how many rooms one statement of the indexer reads;
// it runs again while rooms are left.
const searchIndexRooms = 1000

// searchIndexLock serializes indexers, of every instance (two at once
// would write the same rows), and a room's deletion with them
// (unindexRoom).
var searchIndexLock = lockKey("search-index")

// dueRooms lists the rooms with something past their search mark: a
// committed last_change covers every change before it, as last_seq covers
// every seq (both are taken under the room's row lock), so reading up to
// them in the same snapshot misses nothing and reads nothing unfinished.
// Every message's append, edit, reaction or delete raises last_change.
const dueRooms = `SELECT r.id, coalesce(k.seq, 0) AS seq, coalesce(k.change, 0) AS change, r.last_seq, r.last_change
	FROM rooms r LEFT JOIN search_marks k ON k.room_id = r.id
	WHERE r.last_change > coalesce(k.change, 0)`

// indexDue indexes the messages of up to searchIndexRooms due rooms (of
// $1 when it is bound) and moves their marks: messages appended since by
// seq through (room_id, seq), and older ones changed since through
// messages_changed, as ChangesAfter reads them (the two sets are
// disjoint). A message indexed at an older change number has its words
// replaced.
func indexDue(rooms string) string {
	return `WITH due AS (` + dueRooms + rooms + ` ORDER BY r.id LIMIT ` + fmt.Sprint(searchIndexRooms) + `),
	found AS (
		SELECT m.id, m.room_id, m.seq, m.author_id, m.created_at, m.change, m.body
		FROM due d JOIN messages m ON m.room_id = d.id AND m.seq > d.seq AND m.seq <= d.last_seq
		UNION ALL
		SELECT m.id, m.room_id, m.seq, m.author_id, m.created_at, m.change, m.body
		FROM due d JOIN messages m ON m.room_id = d.id AND m.change > d.change AND m.change <= d.last_change
			AND m.change <> m.first_change AND m.seq <= d.seq),
	indexed AS (
		INSERT INTO message_search (id, room_id, seq, author_id, created_at, change, search)
		SELECT id, room_id, seq, author_id, created_at, change, openchat_search_words(body) FROM found
		ON CONFLICT (id) DO UPDATE SET change = EXCLUDED.change, search = EXCLUDED.search
			WHERE message_search.change < EXCLUDED.change
		RETURNING 1),
	marked AS (
		INSERT INTO search_marks (room_id, seq, change) SELECT id, last_seq, last_change FROM due
		ON CONFLICT (room_id) DO UPDATE SET seq = EXCLUDED.seq, change = EXCLUDED.change
		RETURNING 1)
	SELECT (SELECT count(*) FROM marked), (SELECT count(*) FROM indexed)`
}

// unindexRoom removes roomID's words and mark, in tx (DeleteRoom's, which
// deletes the room's messages after it), under the indexers' lock: an
// indexer that read the room before the deletion has written its rows by
// then, and one after it finds no room.
func unindexRoom(ctx context.Context, tx pgx.Tx, roomID string) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, searchIndexLock); err != nil {
		return fmt.Errorf("unindex room: %w", err)
	}
	for _, q := range []string{`DELETE FROM message_search WHERE room_id = $1`,
		`DELETE FROM search_marks WHERE room_id = $1`} {
		if _, err := tx.Exec(ctx, q, roomID); err != nil {
			return fmt.Errorf("unindex room: %w", err)
		}
	}
	return nil
}

// inRooms narrows dueRooms to the rooms bound to $1.
const inRooms = ` AND r.id = ANY($1)`

// IndexSearch indexes every message written, edited or deleted past the
// search marks of roomIDs (of every room when roomIDs is empty), waiting
// for another indexer to finish first. It returns how many messages it
// indexed. SearchMessages calls it, so a search finds every message
// written before it began; RunSearchIndexer keeps that to little work.
func (s *Store) IndexSearch(ctx context.Context, roomIDs []string) (int, error) {
	var args []any
	where := ""
	if len(roomIDs) > 0 {
		args, where = []any{roomIDs}, inRooms
	}
	// Most searches find nothing due: that costs a read, not the lock.
	var due bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (`+dueRooms+where+`)`, args...).Scan(&due); err != nil {
		return 0, fmt.Errorf("index search: %w", err)
	}
	if !due {
		return 0, nil
	}
	n, _, err := s.indexSearch(ctx, `SELECT true FROM pg_advisory_xact_lock($1)`, where, args)
	return n, err
}

// indexSearch runs indexDue under the indexers' lock (taken by lock,
// which returns whether it is held) until no due room is left; rooms is
// inRooms or empty, args its argument. held is false when lock did not
// take it.
func (s *Store) indexSearch(ctx context.Context, lock, rooms string, args []any) (indexed int, held bool, err error) {
	stmt := indexDue(rooms)
	for {
		var marked, n int
		err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			if err := tx.QueryRow(ctx, lock, searchIndexLock).Scan(&held); err != nil || !held {
				return err
			}
			return tx.QueryRow(ctx, stmt, args...).Scan(&marked, &n)
		})
		if err != nil {
			return indexed, held, fmt.Errorf("index search: %w", err)
		}
		indexed += n
		if !held || marked < searchIndexRooms {
			return indexed, held, nil
		}
	}
}

// RunSearchIndexer indexes, every interval until ctx ends, what was
// written since, unless another instance's indexer is at it.
func (s *Store) RunSearchIndexer(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, _, err := s.indexSearch(ctx, `SELECT pg_try_advisory_xact_lock($1)`, "", nil)
		if err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "search indexer failed; it runs again", "err", err)
		} else if n > 0 {
			s.log.DebugContext(ctx, "search indexed", "messages", n)
		}
	}
}

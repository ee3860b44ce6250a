#!/bin/bash
# search-async.sh BIN: one scenario.sh run on PostgreSQL with asynchronous search indexing
# simulated (docs/performance.md, "asynchronous search indexing, priced before it was built,
# costs more than it saves", and "Encoding a message by hand" for DESIGN=marks). After the
# migrations, messages lose their search column. (DESIGN=marks was then built, 4dba726-4910db1, and
# reverted: performance.md, "an asynchronous search indexer, built end to end and measured".)
# Nothing in the server changes, so it prices a
# design before it is built. DESIGN=queue (the default): a statement trigger queues the ids each
# INSERT stores (search_queue), and a psql session drains the queue every 0.2 s, up to 10,000 ids
# a statement, into message_search (tsvector, GIN), as a Zulip-style indexer would.
# DESIGN=marks: the append writes nothing more; a psql session indexes, every second, each room's
# messages from its mark (search_marks) to its last_seq (a committed last_seq covers every seq
# before it), into message_search with the GIN index and the author index, which messages loses.
# Passes SCEN, DUR, WARMUP, PGPORT and DATA_PARENT on to scenario.sh; prints its line, then the
# messages stored, still queued (or behind the marks) and indexed.
here=$(dirname "$(readlink -f "$0")")
sql() { psql -h 127.0.0.1 -U postgres f1k "$@"; }
setup="ALTER TABLE messages DROP COLUMN search;
CREATE TABLE search_queue (message_id text PRIMARY KEY);
CREATE TABLE message_search (message_id text PRIMARY KEY, search tsvector NOT NULL);
CREATE INDEX message_search_gin ON message_search USING gin (search);
CREATE FUNCTION enqueue_search() RETURNS trigger LANGUAGE plpgsql
  AS \$\$BEGIN INSERT INTO search_queue SELECT id FROM n; RETURN NULL; END\$\$;
CREATE TRIGGER enqueue_search AFTER INSERT ON messages REFERENCING NEW TABLE AS n
  FOR EACH STATEMENT EXECUTE FUNCTION enqueue_search();"
# The expression is migration 0005's.
drain="WITH d AS (DELETE FROM search_queue WHERE message_id IN
  (SELECT message_id FROM search_queue LIMIT 10000 FOR UPDATE SKIP LOCKED) RETURNING message_id)
INSERT INTO message_search SELECT m.id, to_tsvector('simple'::regconfig,
  regexp_replace(openchat_unaccent(m.body), '[!-/:-@\[-\`{-~]+', ' ', 'g'))
FROM d JOIN messages m ON m.id = d.message_id;"
every=0.2 ready=search_queue behind='SELECT count(*) FROM search_queue'
if [ "${DESIGN:-queue}" = marks ]; then
  setup="ALTER TABLE messages DROP COLUMN search;
DROP INDEX messages_author_created;
CREATE TABLE message_search (id text PRIMARY KEY, room_id text NOT NULL, author_id text NOT NULL,
  created_at timestamptz NOT NULL, change bigint NOT NULL, search tsvector NOT NULL);
CREATE INDEX message_search_words ON message_search USING gin (search);
CREATE INDEX message_search_author ON message_search (author_id, created_at, id);
CREATE TABLE search_marks (room_id text PRIMARY KEY, seq bigint NOT NULL);"
  # An edit would come again through its change number; ON CONFLICT keeps the newest.
  drain="WITH due AS (
  SELECT r.id, coalesce(s.seq, 0) AS mark, r.last_seq FROM rooms r LEFT JOIN search_marks s ON s.room_id = r.id
  WHERE r.last_seq > coalesce(s.seq, 0)),
ins AS (
  INSERT INTO message_search (id, room_id, author_id, created_at, change, search)
  SELECT m.id, m.room_id, m.author_id, m.created_at, m.change, to_tsvector('simple'::regconfig,
    regexp_replace(openchat_unaccent(m.body), '[!-/:-@\[-\`{-~]+', ' ', 'g'))
  FROM due d JOIN messages m ON m.room_id = d.id AND m.seq > d.mark AND m.seq <= d.last_seq
  ON CONFLICT (id) DO UPDATE SET search = EXCLUDED.search, change = EXCLUDED.change
    WHERE message_search.change < EXCLUDED.change),
marks AS (
  INSERT INTO search_marks (room_id, seq) SELECT id, last_seq FROM due
  ON CONFLICT (room_id) DO UPDATE SET seq = EXCLUDED.seq)
SELECT 1;"
  every=1 ready=search_marks
  behind='SELECT (SELECT coalesce(sum(last_seq), 0) FROM rooms) - (SELECT coalesce(sum(seq), 0) FROM search_marks)'
fi
# A queue left by an earlier run must not be mistaken for this run's.
dropdb -h 127.0.0.1 -U postgres --if-exists --force f1k
(
  # scenario.sh recreates f1k and runs PGSQL once the server has migrated it.
  until sql -Atc "SELECT 1 FROM $ready LIMIT 0" >/dev/null 2>&1; do sleep 0.1; done
  exec psql -h 127.0.0.1 -U postgres f1k -q -f <(printf '%s\n\\watch %s\n' "$drain" "$every") >/dev/null
) &
drainer=$! # the psql session, once it runs
PGSQL=$setup "$here/scenario.sh" "$1" pg
kill "$drainer"
wait "$drainer" 2>/dev/null
echo "stored=$(sql -Atc 'SELECT count(*) FROM messages') queued=$(sql -Atc "$behind")" \
  "indexed=$(sql -Atc 'SELECT count(*) FROM message_search')"

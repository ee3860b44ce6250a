#!/bin/bash
# search-async.sh BIN: one scenario.sh run on PostgreSQL with asynchronous search indexing
# simulated (docs/performance.md, "asynchronous search indexing, priced before it was built,
# costs more than it saves"). After the migrations, messages lose their search column; a statement trigger queues
# the ids each INSERT stores (search_queue), and a psql session drains the queue every 0.2 s,
# up to 10,000 ids a statement, into message_search (tsvector, GIN), as a Zulip-style indexer
# would. Nothing in the server changes, so it prices the design before it is built. Passes SCEN,
# DUR, PGPORT and DATA_PARENT on to scenario.sh; prints its line, then the messages stored, still
# queued and indexed.
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
# A queue left by an earlier run must not be mistaken for this run's.
dropdb -h 127.0.0.1 -U postgres --if-exists --force f1k
(
  # scenario.sh recreates f1k and runs PGSQL once the server has migrated it.
  until sql -Atc 'SELECT 1 FROM search_queue LIMIT 0' >/dev/null 2>&1; do sleep 0.1; done
  printf '%s\n\\watch 0.2\n' "$drain" | sql -q >/dev/null
) &
drainer=$!
PGSQL=$setup "$here/scenario.sh" "$1" pg
pkill -P "$drainer" psql
wait "$drainer" 2>/dev/null
echo "stored=$(sql -Atc 'SELECT count(*) FROM messages') queued=$(sql -Atc 'SELECT count(*) FROM search_queue')" \
  "indexed=$(sql -Atc 'SELECT count(*) FROM message_search')"

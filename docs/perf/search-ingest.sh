#!/bin/bash
# The search index's cost on ingest through the whole server (docs/performance.md,
# "Search at 1,000,000 messages, round two"): the same binary on a fresh database with the
# index and on one whose index was removed after migrating, interleaved, ROUNDS rounds.
# Without the index: SQLite's FTS5 table becomes a view whose INSTEAD OF trigger drops the
# rows the append's index statement writes; PostgreSQL loses the generated tsvector column,
# its GIN index and 0011's two indexes. Expects openchat and openchat-bench in $PERF_DIR
# (default /tmp/ix), python3 (its sqlite3 module) and a PostgreSQL on 127.0.0.1:5432.
set -u
cd "${PERF_DIR:-/tmp/ix}"
ROUNDS=${ROUNDS:-3}
DB="postgres://postgres@127.0.0.1:5432/ix18?sslmode=disable"

run() { # run index|noindex sqlite|pg
  local v=$1 store=$2 data pid out
  data=$(mktemp -d "$PWD/data.XXXX")
  local flags=(--addr 127.0.0.1:18700 --data-dir "$data" --log-level warn --ws-send-rate 1000 --ws-send-burst 1000
    --ratelimit-posts off --ratelimit-rooms off --ratelimit-signup-address off --ratelimit-signin-address off
    --ratelimit-signin-account off --ratelimit-signin-account-short off --ratelimit-invites off
    --max-conns-per-ip 1000000 --ws-max-per-user 100000)
  if [ "$store" = pg ]; then
    dropdb -h 127.0.0.1 -U postgres --if-exists ix18 && createdb -h 127.0.0.1 -U postgres ix18
    flags+=(--database-url "$DB")
  fi
  ./openchat migrate up --data-dir "$data" $([ "$store" = pg ] && echo --database-url "$DB") >/dev/null 2>&1
  if [ "$v" = noindex ] && [ "$store" = pg ]; then
    psql -q -h 127.0.0.1 -U postgres ix18 -c "ALTER TABLE messages DROP COLUMN search" \
      -c "DROP INDEX messages_author_created, messages_room_created"
  elif [ "$v" = noindex ]; then
    python3 - "$data/openchat.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.executescript('''DROP TRIGGER messages_fts_update; DROP TRIGGER messages_fts_delete; DROP TABLE messages_fts;
CREATE VIEW messages_fts(rowid, body, room_id, author_id) AS SELECT 1, 2, 3, 4 WHERE 0;
CREATE TRIGGER messages_fts_sink INSTEAD OF INSERT ON messages_fts BEGIN SELECT 1; END;''')
c.commit()
PY
  fi
  ./openchat serve "${flags[@]}" >"$data/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -sf http://127.0.0.1:18700/healthz >/dev/null && break; sleep 0.2; done
  out=$(./openchat-bench ingest --senders 1000 --rooms 100 --users 50 --duration 20s --url http://127.0.0.1:18700 \
    --server-pid $pid --src-ips 2 --quiet 2>"$data/tool.err" | tail -1)
  kill $pid; wait $pid 2>/dev/null
  echo "$v $store start=$(date -u +%H:%M:%S) load=$(cut -d' ' -f1 /proc/loadavg) $out"
  rm -rf "$data"
}

for r in $(seq "$ROUNDS"); do
  if [ $((r % 2)) = 0 ]; then o="noindex index"; else o="index noindex"; fi
  for v in $o; do run "$v" sqlite; done
  for v in $o; do run "$v" pg; done
done

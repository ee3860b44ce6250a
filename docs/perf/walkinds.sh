#!/bin/bash
# PostgreSQL's WAL per stored message by kind of record (heap, B-tree, GIN...) over 10 s of one
# scenario.sh run (docs/performance.md, "Encoding a message by hand"): walkinds.sh BIN. The window
# opens 8 s after the first stored message and is read at once, before a checkpoint can recycle
# it. Needs pg_walinspect (contrib): CREATE EXTENSION pg_walinspect in database postgres. SCEN
# (ingest), DUR (25s), PGPORT and DATA_PARENT as for scenario.sh.
here=$(dirname "$(readlink -f "$0")")
q() { psql -h 127.0.0.1 -p "${PGPORT:-5432}" -U postgres -Atc "$1" "${2:-postgres}" 2>/dev/null; }
out=$(mktemp)
dropdb -h 127.0.0.1 -p "${PGPORT:-5432}" -U postgres --if-exists --force f1k
(
  until [ "$(q 'SELECT EXISTS (SELECT 1 FROM messages)' f1k)" = t ]; do sleep 0.1; done
  sleep 8
  a=$(q "SELECT pg_current_wal_lsn()") n0=$(q "SELECT sum(last_seq) FROM rooms" f1k)
  sleep 10
  b=$(q "SELECT pg_current_wal_lsn()") n1=$(q "SELECT sum(last_seq) FROM rooms" f1k)
  psql -h 127.0.0.1 -p "${PGPORT:-5432}" -U postgres -c "SELECT \"resource_manager/record_type\" AS kind, count AS records,
    round(record_size / 1e6, 1) AS record_mb, round(fpi_size / 1e6, 1) AS fpi_mb,
    round(combined_size::numeric / ($n1 - $n0)) AS bytes_per_msg
    FROM pg_get_wal_stats('$a', '$b') WHERE count > 0 ORDER BY combined_size DESC" >"$out"
) &
win=$!
SCEN=${SCEN:-ingest} DUR=${DUR:-25s} FSYNC_DIR= "$here/scenario.sh" "$1" pg | tail -1
wait "$win"
cat "$out"
rm -f "$out"

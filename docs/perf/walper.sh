#!/bin/bash
# PostgreSQL's WAL bytes per stored message over one ingest run of scenario.sh (docs/performance.md,
# "the disk under the tail"): walper.sh BIN. From 3 s after the start (the fresh database is
# migrated by then) to the end, over the messages stored; the users and rooms of the setup are
# a rounding error beside 200,000 messages. PGPORT as for scenario.sh (default 5432).
here=$(dirname "$(readlink -f "$0")")
q() { psql -h 127.0.0.1 -p "${PGPORT:-5432}" -U postgres -Atc "$1" "${2:-postgres}"; }
lsn0=$(mktemp)
(sleep 3; q "SELECT pg_current_wal_lsn()" >"$lsn0") &
out=$(SCEN=ingest DUR=${DUR:-20s} FSYNC_DIR= "$here/scenario.sh" "$1" pg 2>&1 | tail -1)
wait
l1=$(q "SELECT pg_current_wal_lsn()")
n=$(q "SELECT count(*) FROM messages" f1k)
b=$(q "SELECT pg_wal_lsn_diff('$l1', '$(cat "$lsn0")')")
rm -f "$lsn0"
[ "${n:-0}" -gt 0 ] || { echo "no message stored: $out" >&2; exit 1; }
echo "$(basename "$1") messages=$n wal_bytes=$b per_msg=$((${b%.*} / n)) $(grep -o 'acked/s=[0-9]*' <<<"$out")"

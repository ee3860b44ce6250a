#!/bin/bash
# pg_stat_statements over one whole load run (docs/performance.md, "the first round against
# main on a quieter boot"): pgss.sh BIN [SCEN] resets the statistics, runs scenario.sh (fanout by
# default) on PostgreSQL and prints the run's top statements of database f1k and their totals.
# pg_stat_statements must be in shared_preload_libraries. Works for old builds too (no pprof).
b=$1
here=$(dirname "$(readlink -f "$0")")
sql() { psql -h 127.0.0.1 -U postgres "$@"; }
sql -qc "CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset()" >/dev/null
SCEN=${2:-fanout} DUR=${DUR:-20s} "$here/scenario.sh" "./$b" pg 2>&1 | tail -1
db="dbid = (SELECT oid FROM pg_database WHERE datname = 'f1k')"
sql -c "SELECT calls, round(total_exec_time::numeric) AS ms, round((total_exec_time / calls)::numeric, 3) AS per_call,
  rows, wal_bytes, left(regexp_replace(query, '\s+', ' ', 'g'), 90) AS query FROM pg_stat_statements
  WHERE $db ORDER BY total_exec_time DESC LIMIT 12"
sql -Atc "SELECT 'total exec ms ' || round(sum(total_exec_time)) || ', wal MB ' || round(sum(wal_bytes) / 1e6, 1)
  || ', calls ' || sum(calls) FROM pg_stat_statements WHERE $db"

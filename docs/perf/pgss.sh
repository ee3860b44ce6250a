#!/bin/bash
# pg_stat_statements over one whole load run (docs/performance.md, "the first round against
# main on a quieter boot"): pgss.sh BIN [SCEN] resets the statistics, runs scenario.sh (fanout by
# default) on PostgreSQL and prints pgss.sql: the run's top statements of database f1k and their
# totals. pg_stat_statements must be in shared_preload_libraries. Works for old builds too (no pprof).
here=$(dirname "$(readlink -f "$0")")
sql() { psql -h 127.0.0.1 -U postgres "$@"; }
sql -qf "$here/pgss-reset.sql" >/dev/null
SCEN=${2:-fanout} DUR=${DUR:-20s} "$here/scenario.sh" "./$1" pg 2>&1 | tail -1
sql -f "$here/pgss.sql" f1k

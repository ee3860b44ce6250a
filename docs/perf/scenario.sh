#!/bin/bash
# One load run of one binary on a fresh server and database (docs/performance.md, "Round two,
# last pass"): scenario.sh BIN [sqlite|pg]. SCEN=fanout (1,000 rooms × 10 subscribers, 1,000 msg/s),
# one (1 room × 10,000, 10 msg/s), ingest (1,000 senders, 100 rooms) or posts (3,000 msg/s from 375
# publishers into 1,000 rooms × 1 subscriber: CPU per post at a fixed rate); DUR (20s). Prints the
# tool's line, then from the server's /metrics the share of appends slower than 2.5 and 5 ms and
# of socket writes later than 1, 2.5 and 5 ms after the commit. Expects openchat-bench in the
# working directory, PostgreSQL on 127.0.0.1:5432 or $PGPORT (database f1k is dropped and recreated).
# A build without the newer flags (the first round's, bbaed33) runs without them and without
# --metrics-addr: the script asks BIN's `serve --help`, whatever BIN is named.
# PROFILE=NAME (new builds): after SETUP seconds (25) take a 15-s CPU profile (NAME.cpu, for
# `go tool pprof BIN NAME.cpu`) and, on PostgreSQL, pg_stat_statements' top statements over the
# same 15 s (NAME.pgss; it must be in shared_preload_libraries); use DUR=30s so both fall inside
# the measured phase. PGSQL: statements run on the fresh PostgreSQL database once the server has
# migrated it, before the load (a setting to try). FSYNC_DIR: where the tool times a disk flush
# 20 times a second during the measured phase (fsync_p50/p99/max in its line: the floor of a
# durable commit's latency on this disk); default the database's disk (SQLite: the server's data
# directory; PostgreSQL: its data directory's parent), empty for none. PGPORT: another
# PostgreSQL on 127.0.0.1 (psql, createdb and the server's URL); PGPARAMS: more parameters for
# the server's URL, e.g. pool settings (pool_max_conn_idle_time=100ms&pool_health_check_period=50ms);
# DATA_PARENT: where the server's data directory is made (default the working directory), e.g. a
# tmpfs to take the disk out.
# On PostgreSQL the tool's line has db_cpu, the CPU of all its processes over the measured phase
# (--db-pid; reading its postmaster.pid needs the right to read its data directory).
# SLOW=FILE: the tool logs every delivery (ack, for ingest) slower than 3 ms to FILE (--slow-log;
# docs/perf/slow.sh FILE* says where in the run they were).
# TRACE=NAME (new builds): a Go runtime trace of the server, TRACE_SECS (4) seconds from TRACE_AFTER
# (0) seconds after its first stored message (a warm-up's included), with a CPU profile beside it
# (NAME.cpu) so the trace holds CPU samples: docs/perf/tracebins reads it. GCTRACE=NAME: the server
# runs with GODEBUG=gctrace=1, its log is kept as NAME and its start (Unix ns) as NAME.t0:
# docs/perf/gcslow.sh NAME SLOWFILE* counts the slow deliveries that came during its GC cycles.
# WARMUP=DUR (fanout scenarios): the publishers start DUR before the measured phase (--warmup);
# those messages are checked for loss but not timed, and the setup's leftovers pass before it.
# METRICS=FILE: the server's /metrics at the end of the run is kept as FILE (group-commit sizes,
# queue waits and transaction times, pool counts).
# LOCK=SECS (PostgreSQL): LOCK_AFTER (15) seconds after the first stored message, another
# connection locks the row of one room that has messages (the lowest id) for SECS seconds, as a
# long transaction or another instance's stuck commit would: what that room's lock costs the others.
bin=$1; store=${2:-sqlite}
here=$(dirname "$(readlink -f "$0")")
data=$(mktemp -d "${DATA_PARENT:-$PWD}/d.XXX")
extra=()
murl=http://127.0.0.1:18702
if "$bin" serve --help 2>&1 | grep -q -- -ratelimit-invites; then
  murl=http://127.0.0.1:18792
  extra=(--metrics-addr 127.0.0.1:18792 --ratelimit-posts off --ratelimit-rooms off --ratelimit-signup-address off
    --ratelimit-signin-address off --ratelimit-signin-account off --ratelimit-signin-account-short off
    --ratelimit-invites off --max-conns-per-ip 1000000 --ws-max-per-user 100000)
fi
if [ "$store" = pg ]; then
  dropdb -h 127.0.0.1 -U postgres --if-exists --force f1k && createdb -h 127.0.0.1 -U postgres f1k
  extra+=(--database-url "postgres://postgres@127.0.0.1:${PGPORT:-5432}/f1k?sslmode=disable${PGPARAMS:+&$PGPARAMS}")
fi
sql() { psql -h 127.0.0.1 -U postgres f1k "$@"; }
[ -n "${PROFILE:-}${TRACE:-}" ] && extra+=(--pprof-addr 127.0.0.1:16060)
fsdir=$data
tool=()
if [ "$store" = pg ]; then
  pgdata=$(sql -Atc 'SHOW data_directory')
  fsdir=$(dirname "$pgdata")
  tool=(--db-pid "$(head -1 "$pgdata/postmaster.pid")") # the tool's db_cpu: PostgreSQL's processes
fi
fsdir=${FSYNC_DIR-$fsdir}
t0=$(date +%s%N)
${GCTRACE:+env GODEBUG=gctrace=1} $bin serve --addr 127.0.0.1:18702 --data-dir "$data" --log-level warn --ws-send-rate 1000 --ws-send-burst 1000 "${extra[@]}" >"$data/log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sf http://127.0.0.1:18702/healthz >/dev/null && break; sleep 0.2; done
[ "$store" = pg ] && [ -n "${PGSQL:-}" ] && sql -qc "$PGSQL" >/dev/null # e.g. an index setting to try, after the migrations
if [ -n "${TRACE:-}" ]; then
  (
    until curl -s $murl/metrics | awk '$1 == "openchat_messages_posted_total" && $2 > 0 {f = 1} END {exit !f}'; do sleep 0.02; done
    sleep "${TRACE_AFTER:-0}"
    curl -s -o "$TRACE.cpu" "http://127.0.0.1:16060/debug/pprof/profile?seconds=$((${TRACE_SECS:-4} + 1))" &
    curl -s -o "$TRACE" "http://127.0.0.1:16060/debug/pprof/trace?seconds=${TRACE_SECS:-4}"
    wait
  ) &
  traced=$!
fi
if [ "$store" = pg ] && [ -n "${LOCK:-}" ]; then
  (
    until curl -s $murl/metrics | awk '$1 == "openchat_messages_posted_total" && $2 > 0 {f = 1} END {exit !f}'; do sleep 0.02; done
    sleep "${LOCK_AFTER:-15}"
    sql -qc "BEGIN; SELECT id FROM rooms WHERE last_seq > 0 ORDER BY id LIMIT 1 FOR UPDATE; SELECT pg_sleep($LOCK); COMMIT" >/dev/null
  ) &
  locked=$!
fi
case "${SCEN:-fanout}" in
one) args=(fanout --conns 10000 --rooms 1 --users 50 --rate 10) ;;
ingest) args=(ingest --senders 1000 --rooms 100 --users 50) ;;
posts) args=(fanout --conns 1000 --rooms 1000 --users 50 --rate 3000) ;; # 375 publishers: the server's CPU per frame read, at a rate it keeps up with
*) args=(fanout --conns 10000 --rooms 1000 --users 50 --rate 1000) ;;
esac
if [ -n "${PROFILE:-}" ]; then
  (
    sleep "${SETUP:-25}"
    [ "$store" = pg ] && sql -qf "$here/pgss-reset.sql" >/dev/null
    curl -s -o "$PROFILE.cpu" "http://127.0.0.1:16060/debug/pprof/profile?seconds=15"
    [ "$store" = pg ] && sql -f "$here/pgss.sql" >"$PROFILE.pgss"
  ) &
  prof=$!
fi
out=$(./openchat-bench "${args[@]}" --duration "${DUR:-20s}" --url http://127.0.0.1:18702 --server-pid $pid \
  --src-ips 2 --quiet ${fsdir:+--fsync-dir "$fsdir"} ${SLOW:+--slow-log "$SLOW"} ${WARMUP:+--warmup "$WARMUP"} "${tool[@]}" 2>"$data/tool.err" | tail -1)
[ -n "${prof:-}" ] && wait "$prof"
[ -n "${traced:-}" ] && wait "$traced"
[ -n "${locked:-}" ] && wait "$locked"
curl -s $murl/metrics >"$data/metrics"
kill $pid; wait $pid 2>/dev/null
over() { # over METRIC-PREFIX LE: share of the observations above LE
  awk -v le="$2" -v pre="$1" 'index($0,pre)==1 && $0 ~ "le=\""le"\"" {b=$NF}
    index($0,pre)==1 && $0 ~ /le="\+Inf"/ {n=$NF}
    END {if (n>0) printf "%.1f%%", 100*(n-b)/n; else printf "-"}' "$data/metrics"
}
a='openchat_store_operation_duration_seconds_bucket{op="AppendMessage"'
d=openchat_delivery_latency_seconds_bucket
echo "$(basename "$bin") $store ${SCEN:-fanout} $(date -u +%H:%M:%S) load=$(cut -d' ' -f1 /proc/loadavg) $out" \
  "append>2.5ms=$(over "$a" 0.0025) append>5ms=$(over "$a" 0.005)" \
  "deliver>1ms=$(over $d 0.001) deliver>2.5ms=$(over $d 0.0025) deliver>5ms=$(over $d 0.005)"
if [ -n "${GCTRACE:-}" ]; then cp "$data/log" "$GCTRACE" && echo "$t0" >"$GCTRACE.t0"; fi
[ -n "${METRICS:-}" ] && cp "$data/metrics" "$METRICS"
rm -rf "$data"

#!/bin/bash
# One profiled 1,000 rooms × 10 subscribers run (docs/performance.md, "frame handlers keep their
# stacks"): profile.sh BIN, with STORE=pg (default) or sqlite. In $PERF_DIR (default /tmp/perf18,
# which holds openchat-bench): a fresh server and database, 25 s of setup and load (SETUP), then
# a 15-s CPU profile of the server (NAME-STORE.cpu, read with `go tool pprof BIN NAME-STORE.cpu`),
# the server's /metrics (NAME-STORE.metrics) and, on PostgreSQL, the top statements of
# pg_stat_statements over the same 15 s on (NAME-STORE.pgss). pg_stat_statements must be loaded:
# ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements', then restart PostgreSQL.
set -u
cd "${PERF_DIR:-/tmp/perf18}"
bin=$(readlink -f "$1"); store=${STORE:-pg}; tag=$(basename "$bin")-$store
data=$(mktemp -d "$PWD/d.XXX")
db=()
if [ "$store" = pg ]; then
  dropdb -h 127.0.0.1 -U postgres --if-exists --force f1k && createdb -h 127.0.0.1 -U postgres f1k
  psql -h 127.0.0.1 -U postgres f1k -qc "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"
  db=(--database-url "postgres://postgres@127.0.0.1:5432/f1k?sslmode=disable")
fi
"$bin" serve --addr 127.0.0.1:18702 --data-dir "$data" --log-level warn --ws-send-rate 1000 --ws-send-burst 1000 \
  --pprof-addr 127.0.0.1:16060 --metrics-addr 127.0.0.1:18792 --ratelimit-posts off --ratelimit-rooms off \
  --ratelimit-signup-address off --ratelimit-signin-address off --ratelimit-signin-account off \
  --ratelimit-signin-account-short off --ratelimit-invites off --max-conns-per-ip 1000000 --ws-max-per-user 100000 \
  "${db[@]}" >"$data/log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sf http://127.0.0.1:18702/healthz >/dev/null && break; sleep 0.2; done
(
  sleep "${SETUP:-25}"
  [ "$store" = pg ] && psql -h 127.0.0.1 -U postgres f1k -qc "SELECT pg_stat_statements_reset()" >/dev/null
  curl -s -o "$tag.cpu" "http://127.0.0.1:16060/debug/pprof/profile?seconds=15"
) &
prof=$!
./openchat-bench fanout --conns 10000 --rooms 1000 --users 50 --rate 1000 --duration "${DUR:-30s}" \
  --url http://127.0.0.1:18702 --server-pid $pid --src-ips 2 --quiet 2>"$data/tool.err" | tail -1
wait $prof
if [ "$store" = pg ]; then
  psql -h 127.0.0.1 -U postgres f1k -c "SELECT calls, round(total_exec_time::numeric, 1) AS ms,
    round((total_exec_time / calls)::numeric, 3) AS per_call, rows, wal_bytes,
    left(regexp_replace(query, '\s+', ' ', 'g'), 110) AS query
    FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'f1k')
    ORDER BY total_exec_time DESC LIMIT 25" >"$tag.pgss"
fi
curl -s http://127.0.0.1:18792/metrics >"$tag.metrics"
kill $pid; wait $pid 2>/dev/null
rm -rf "$data"

#!/bin/bash
# The 100,000-connection reconnect storm over six instances on PostgreSQL + Redis
# (docs/performance.md, "reconnect storm"): multi.sh BIN [RESUME]. A fresh database storm18 and
# Redis db 4 flushed, six instances of BIN, then 100,000 connections in 1,000 rooms, all dropped
# after 15 s and resumed within 10 s by after_seq (RESUME=seq, the default) or after_change while
# publishers post 50 msg/s. Run it in the directory holding BIN and openchat-bench ($PERF_DIR,
# default /tmp/perf18); TOOL names another build of the tool there; GRACE (10s) is how long the tool waits
# after the storm for the last deliveries before it counts what is missing. Prints the tool's line.
# METRICS_OUT=FILE keeps every instance's /metrics at the end in FILE (Redis errors by command,
# openchat_cache_requests_total{use_case="recent"}, ...) and the servers' log lines in FILE.log.
bin=$1; resume=${2:-seq}
cd "${PERF_DIR:-/tmp/perf18}" || exit 1
db=storm18
dropdb -h 127.0.0.1 -U postgres --if-exists --force $db && createdb -h 127.0.0.1 -U postgres $db || exit 1
redis-cli -n 4 flushdb >/dev/null
data=$(mktemp -d "$PWD/m.XXX")
urls=(); murls=(); pids=()
for i in 0 1 2 3 4 5; do
  port=$((24281 + 2 * i))
  # One instance migrates the fresh database first, so the others find it ready.
  "./$bin" serve --addr 127.0.0.1:$port --metrics-addr 127.0.0.1:$((port + 1)) --data-dir "$data/$i" --log-level warn \
    --database-url "postgres://postgres@127.0.0.1:5432/$db?sslmode=disable" --redis-url redis://127.0.0.1:6379/4 \
    --ratelimit-posts off --ratelimit-rooms off --max-conns-per-ip 1000000 --ws-max-per-user 1000000 >"$data/log$i" 2>&1 &
  pids+=($!); urls+=(http://127.0.0.1:$port); murls+=(http://127.0.0.1:$((port + 1)))
  for _ in $(seq 100); do curl -sf http://127.0.0.1:$port/healthz >/dev/null && break; sleep 0.2; done
done
join() { local IFS=,; echo "$*"; }
echo "$bin ${TOOL:-openchat-bench} resume=$resume $(date -u +%H:%M:%S) $(./"${TOOL:-openchat-bench}" storm --url "$(join "${urls[@]}")" \
  --metrics-url "$(join "${murls[@]}")" --server-pid "$(join "${pids[@]}")" --conns 100000 --rooms 1000 --users 200 \
  --procs 6 --src-ips 10 --ramp 2500 --rate 50 --window 10s --drop-after 15s --settle 0 --grace "${GRACE:-10s}" \
  --resume "$resume" --quiet 2>"$data/err" | tail -1)"
if [ -n "${METRICS_OUT:-}" ]; then
  for m in "${murls[@]}"; do curl -s "$m/metrics"; done >"$METRICS_OUT"
  cat "$data"/log* >"$METRICS_OUT.log"
fi
kill "${pids[@]}"; wait "${pids[@]}" 2>/dev/null
rm -rf "$data"

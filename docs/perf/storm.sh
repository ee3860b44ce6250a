#!/bin/bash
# One reconnect storm on a fresh single server, SQLite (docs/performance.md, "a resume at the
# head reads nothing"): storm.sh BIN RATE [RESUME]. 3,000 connections in 100 rooms, all dropped at
# once after 10 s and resumed within 10 s by after_change (RESUME=change, the default) or
# after_seq (seq) while publishers post RATE msg/s. Run it in the directory holding BIN and
# openchat-bench ($PERF_DIR, default /tmp/perf18). Prints the tool's line. SERVER_ARGS adds
# server flags, e.g. "--redis-url redis://127.0.0.1:6379/4" for the cache and pub/sub on Redis.
bin=$1; rate=$2; resume=${3:-change}
cd "${PERF_DIR:-/tmp/perf18}" || exit 1
data=$(mktemp -d "$PWD/s.XXX")
"./$bin" serve --addr 127.0.0.1:24181 --metrics-addr 127.0.0.1:24182 --data-dir "$data" --log-level warn \
  --ratelimit-posts off --ratelimit-rooms off --max-conns-per-ip 1000000 --ws-max-per-user 1000000 ${SERVER_ARGS:-} >"$data/log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sf http://127.0.0.1:24181/healthz >/dev/null && break; sleep 0.2; done
echo "$bin rate=$rate $(date -u +%H:%M:%S) $(./openchat-bench storm --url http://127.0.0.1:24181 \
  --metrics-url http://127.0.0.1:24182 --server-pid $pid --conns 3000 --rooms 100 --users 50 --rate "$rate" \
  --window 10s --drop-after 10s --procs 2 --src-ips 2 --settle 0 --resume "$resume" --quiet 2>"$data/err" | tail -1)"
kill $pid; wait $pid 2>/dev/null
rm -rf "$data"

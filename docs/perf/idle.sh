#!/bin/bash
# Idle connections on a fresh SQLite server (docs/performance.md, "idle connections without a
# goroutine"): idle.sh BIN. 10,000 connections in 100 rooms held for 20 s; prints the tool's line
# (server RSS per connection). Expects openchat-bench in the working directory; DATA_PARENT: where
# the server's data directory is made (default the working directory).
bin=$1
data=$(mktemp -d "${DATA_PARENT:-$PWD}/i.XXX")
"$bin" serve --addr 127.0.0.1:18702 --data-dir "$data" --log-level warn --metrics-addr 127.0.0.1:18792 \
  --ratelimit-posts off --ratelimit-rooms off --ratelimit-invites off --ratelimit-signup-address off \
  --ratelimit-signin-address off --ratelimit-signin-account off \
  --ratelimit-signin-account-short off --max-conns-per-ip 1000000 --ws-max-per-user 100000 >"$data/log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sf http://127.0.0.1:18702/healthz >/dev/null && break; sleep 0.2; done
echo "$(basename "$bin") $(date -u +%H:%M:%S) $(./openchat-bench idle --conns 10000 --rooms 100 --users 50 --hold 20s \
  --src-ips 2 --url http://127.0.0.1:18702 --server-pid $pid --quiet 2>"$data/tool.err" | tail -1)"
kill $pid; wait $pid 2>/dev/null
rm -rf "$data"

#!/bin/bash
# A reconnect storm on one instance, OpenChat and Centrifugo v6 in turn, a fresh server per run
# (docs/performance.md, "the storm against Centrifugo"). OpenChat runs its embedded defaults
# (SQLite, in-process cache and pub/sub) and resumes by after_seq; Centrifugo runs its memory
# engine with history and recovery (the config the tool writes for the storm) and recovers by
# offset. Expects openchat and openchat-bench in $PERF_DIR (default /tmp/perf) and centrifugo on
# PATH (go install github.com/centrifugal/centrifugo/v6@v6.9.1). ROUNDS (2) pairs, CONNS (19600).
set -u
cd "${PERF_DIR:-/tmp/perf}" || exit 1
ROUNDS=${ROUNDS:-2} CONNS=${CONNS:-19600}
SECRET=peer-secret KEY=peer-key
storm=(storm --conns "$CONNS" --rooms 100 --users 50 --rate 50 --window 10s --drop-after 10s --procs 2 --src-ips 2
  --settle 0 --resume seq --quiet)
up() { for _ in $(seq 100); do curl -s -o /dev/null "$1" && return; sleep 0.2; done; }
openchat() {
  local d; d=$(mktemp -d "$PWD/oc.XXXX")
  ./openchat serve --addr 127.0.0.1:18830 --metrics-addr 127.0.0.1:18831 --data-dir "$d" --log-level warn \
    --ratelimit-posts off --ratelimit-rooms off --max-conns-per-ip 1000000 --ws-max-per-user 1000000 2>"$d/server.log" &
  local pid=$!
  up http://127.0.0.1:18830/healthz
  ./openchat-bench "${storm[@]}" --url http://127.0.0.1:18830 --metrics-url http://127.0.0.1:18831 --server-pid $pid 2>"$d/err"
  kill $pid; wait $pid; rm -rf "$d"
}
centrifugo() {
  local d; d=$(mktemp -d "$PWD/cf.XXXX")
  ./openchat-bench storm --url http://127.0.0.1:18840 --centrifugo-secret $SECRET --centrifugo-api-key $KEY \
    --centrifugo-config "$d/config.json"
  command centrifugo --config "$d/config.json" 2>"$d/server.log" &
  local pid=$!
  up http://127.0.0.1:18840/health
  ./openchat-bench "${storm[@]}" --target centrifugo --centrifugo-secret $SECRET --centrifugo-api-key $KEY \
    --url http://127.0.0.1:18840 --server-pid $pid 2>"$d/err"
  kill $pid; wait $pid; rm -rf "$d"
}
echo "start $(date -u +%FT%TZ) $(uptime)"
for r in $(seq "$ROUNDS"); do
  if [ $((r % 2)) = 1 ]; then order="openchat centrifugo"; else order="centrifugo openchat"; fi
  for t in $order; do echo "round=$r $t: $($t 2>&1 | tail -1)"; done
done
echo "end $(date -u +%FT%TZ) $(uptime)"

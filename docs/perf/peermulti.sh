#!/bin/bash
# multi.sh's 100,000-connection storm against six Centrifugo v6 nodes on one Redis (the Redis
# engine: broker, history and presence; docs/performance.md, "the storm against Centrifugo"):
# same connections, rooms (channels), publishing rate, drop and window; clients recover by
# offset. Expects openchat-bench in $PERF_DIR (default /tmp/perf) and centrifugo on PATH
# (go install github.com/centrifugal/centrifugo/v6@v6.9.1). Redis db 6 is flushed first.
cd "${PERF_DIR:-/tmp/perf}" || exit 1
SECRET=peer-secret KEY=peer-key
redis-cli -n 6 flushdb >/dev/null
data=$(mktemp -d "$PWD/cm.XXX")
urls=(); pids=()
for i in 0 1 2 3 4 5; do
  port=$((24381 + 2 * i))
  ./openchat-bench storm --url http://127.0.0.1:$port --centrifugo-secret $SECRET --centrifugo-api-key $KEY \
    --centrifugo-redis redis://127.0.0.1:6379/6 --centrifugo-config "$data/config$i.json" || exit 1
  centrifugo --config "$data/config$i.json" >"$data/log$i" 2>&1 &
  pids+=($!); urls+=(http://127.0.0.1:$port)
  for _ in $(seq 100); do curl -sf http://127.0.0.1:$port/health >/dev/null && break; sleep 0.2; done
done
join() { local IFS=,; echo "$*"; }
echo "centrifugo x6 $(date -u +%H:%M:%S) $(./openchat-bench storm --target centrifugo --centrifugo-secret $SECRET \
  --centrifugo-api-key $KEY --url "$(join "${urls[@]}")" --server-pid "$(join "${pids[@]}")" --conns 100000 --rooms 1000 \
  --users 200 --procs 6 --src-ips 10 --ramp 2500 --rate 50 --window 10s --drop-after 15s --settle 0 --grace "${GRACE:-10s}" \
  --resume seq --quiet 2>"$data/err" | tail -1)"
kill "${pids[@]}"; wait "${pids[@]}" 2>/dev/null
rm -rf "$data"

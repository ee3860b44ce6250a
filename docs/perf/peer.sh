#!/bin/bash
# OpenChat and Centrifugo v6 side by side in openchat-bench, interleaved, a
# fresh server per run (docs/performance.md, round two, issue 18). Expects
# openchat and openchat-bench in $PERF_DIR (default /tmp/peer18) and
# centrifugo on PATH (go install github.com/centrifugal/centrifugo/v6@v6.9.1).
# Run it alone: flock /work/bench.lock docs/perf/peer.sh
set -u
cd "${PERF_DIR:-/tmp/peer18}"
ROUNDS=${ROUNDS:-2}
SECRET=peer-secret KEY=peer-key
openchat() { # port bench-args…: a fresh SQLite server
  local port=$1; shift
  local d; d=$(mktemp -d "$PWD/oc.XXXX")
  ./openchat serve --addr 127.0.0.1:$port --data-dir "$d" --log-level warn --ratelimit-posts off --ratelimit-rooms off \
    --max-conns-per-ip 1000000 --ws-max-per-user 1000000 --metrics-addr 127.0.0.1:$((port+1)) 2>"$d/server.log" &
  local pid=$!
  for _ in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:$port/healthz && break; sleep 0.2; done
  ./openchat-bench "$@" --url http://127.0.0.1:$port --server-pid $pid --quiet
  kill $pid; wait $pid; rm -rf "$d"
}
centrifugo() { # port bench-args…: a fresh Centrifugo with the config the tool writes
  local port=$1; shift
  local d; d=$(mktemp -d "$PWD/cf.XXXX")
  ./openchat-bench idle --url http://127.0.0.1:$port --centrifugo-secret $SECRET --centrifugo-api-key $KEY --centrifugo-config "$d/config.json"
  command centrifugo --config "$d/config.json" 2>"$d/server.log" &
  local pid=$!
  for _ in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:$port/health && break; sleep 0.2; done
  ./openchat-bench "$@" --target centrifugo --centrifugo-secret $SECRET --centrifugo-api-key $KEY \
    --url http://127.0.0.1:$port --server-pid $pid --quiet
  kill $pid; wait $pid; rm -rf "$d"
}
echo "start $(date -u +%FT%TZ) $(uptime)"
for r in $(seq $ROUNDS); do
  for sc in "fanout --conns 10000 --rooms 1 --users 50 --rate 10 --duration 20s" \
            "fanout --conns 10000 --rooms 1000 --users 50 --rate 1000 --duration 20s" \
            "idle --conns 19700 --rooms 100 --users 50 --hold 2m --src-ips 2"; do
    echo "round=$r openchat   $sc: $(openchat 18830 $sc 2>&1 | tail -1)"
    echo "round=$r centrifugo $sc: $(centrifugo 18840 $sc 2>&1 | tail -1)"
  done
done
echo "end $(date -u +%FT%TZ) $(uptime)"

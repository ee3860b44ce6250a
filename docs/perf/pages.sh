#!/bin/bash
# Latest-page reads, old against new, one PostgreSQL database, interleaved
# (docs/performance.md, round two). Expects openchat-new, openchat-old and
# openchat-bench in $PERF_DIR (default /tmp/perf18) and the database perf18pages.
set -u
cd "${PERF_DIR:-/tmp/perf18}"
DB="postgres://postgres@127.0.0.1:5432/perf18pages?sslmode=disable"
ROUNDS=${ROUNDS:-3}; DUR=${DUR:-8s}
redis-cli -n 11 flushdb >/dev/null; redis-cli -n 12 flushdb >/dev/null
declare -A URL PID
start() { # name binary flags...
  local name=$1 bin=$2; shift 2
  mkdir -p dd-$name
  ./$bin serve --addr 127.0.0.1:0 --data-dir dd-$name --database-url "$DB" "$@" > srv-$name.log 2>&1 &
  PID[$name]=$!
  for _ in $(seq 60); do
    a=$(grep -o 'addr=127.0.0.1:[0-9]*' srv-$name.log | head -1 | cut -d= -f2); [ -n "$a" ] && break; sleep 0.5
  done
  URL[$name]=http://$a
}
start new-redis openchat-new --redis-url redis://127.0.0.1:6379/11 --cache-timeout 1s --log-level info
start new-pg    openchat-new --cache-disabled --log-level info
start old-redis openchat-old --redis-url redis://127.0.0.1:6379/12 --cache-timeout 1s --log-level info
start old-pg    openchat-old --cache-disabled --log-level info
start new-mem   openchat-new --log-level info
echo "servers: ${URL[*]}"
for r in $(seq $ROUNDS); do
  for n in new-redis new-pg old-redis old-pg new-mem; do
    out=$(./openchat-bench pages --url ${URL[$n]} --server-pid ${PID[$n]} --users 4 --conns 32 --duration $DUR --quiet 2>&1 | tail -1)
    echo "round=$r server=$n $out"
  done
done
for n in "${!PID[@]}"; do kill ${PID[$n]}; done
wait

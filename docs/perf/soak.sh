#!/bin/bash
# 30-minute soak with posts, edits and reactions (docs/performance.md, round
# two, issue 18): a fresh SQLite server with pprof, openchat-bench fanout at
# 19,000 connections, the server's RSS, goroutines and heap sampled every
# 30 s, heap profiles at minute 3 and minute 30. Expects openchat and
# openchat-bench in $PERF_DIR (default /tmp/peer18); writes into $PERF_DIR/soak.
# Run it alone: flock /work/bench.lock docs/perf/soak.sh
set -u
cd "${PERF_DIR:-/tmp/peer18}"
out=$PWD/soak; mkdir -p "$out"; port=18820; DUR=${DUR:-30m}
d=$(mktemp -d "$PWD/soakdata.XXXX")
./openchat serve --addr 127.0.0.1:$port --data-dir "$d" --log-level warn --ratelimit-posts off --ratelimit-rooms off \
  --max-conns-per-ip 1000000 --ws-max-per-user 1000000 --metrics-addr 127.0.0.1:$((port+1)) \
  --pprof-addr 127.0.0.1:$((port+2)) 2>"$out/server.log" &
pid=$!
for _ in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:$port/healthz && break; sleep 0.2; done
t0=$(date +%s)
./openchat-bench fanout --conns 19000 --rooms 100 --users 50 --rate 20 --edit-rate 2 --react-rate 5 --duration "$DUR" \
  --src-ips 2 --grace 10s --url http://127.0.0.1:$port --metrics-url http://127.0.0.1:$((port+1)) --json \
  > "$out/summary.json" 2> "$out/bench.log" &
bpid=$!
echo "time elapsed_s rss_kib goroutines heap_inuse_bytes stack_inuse_bytes load1" > "$out/samples.txt"
p3=0; p30=0
while kill -0 $bpid 2>/dev/null; do
  el=$(( $(date +%s) - t0 ))
  m=$(curl -s http://127.0.0.1:$((port+1))/metrics)
  metric() { echo "$m" | awk -v k="$1" '$1==k {print $2}'; }
  echo "$(date -u +%T) $el $(awk '/VmRSS/ {print $2}' /proc/$pid/status) $(metric go_goroutines)" \
    "$(metric go_memstats_heap_inuse_bytes) $(metric go_memstats_stack_inuse_bytes) $(cut -d' ' -f1 /proc/loadavg)" >> "$out/samples.txt"
  heap() { curl -s -o "$out/$1" "http://127.0.0.1:$((port+2))/debug/pprof/heap?gc=1"; }
  if [ $p3 = 0 ] && [ $el -ge 180 ]; then heap heap-3m.pprof; p3=1; fi
  if [ $p30 = 0 ] && [ $el -ge 1800 ]; then
    heap heap-30m.pprof; p30=1
    curl -s -o "$out/goroutine-30m.txt" "http://127.0.0.1:$((port+2))/debug/pprof/goroutine?debug=1"
  fi
  sleep 30
done
wait $bpid
kill $pid; wait $pid; rm -rf "$d"
go tool pprof -top -diff_base "$out/heap-3m.pprof" "$out/heap-30m.pprof" 2>/dev/null | head -25 > "$out/heap-diff.txt"

#!/bin/bash
# The server's system calls per stored message (docs/performance.md, "the idle poller
# edge-triggered"): syscalls.sh BIN [sqlite|pg]. Runs docs/perf/scenario.sh (SCEN, default ingest;
# DUR 30s; PGPORT, DATA_PARENT as there) and, AT seconds after its start (15: inside the
# measured phase), counts the server's system calls with `strace -c -f` for 4 s, then prints the
# appends the server stored meanwhile (from its /metrics) and each call's count per append.
# Needs strace and the right to trace the server, and a build with --metrics-addr (not the first
# round's). strace slows every call it counts: read the counts, not the throughput.
bin=$1; store=${2:-sqlite}
here=$(dirname "$(readlink -f "$0")")
out=$(mktemp)
SCEN=${SCEN:-ingest} DUR=${DUR:-30s} "$here/scenario.sh" "$bin" "$store" >"$out.line" 2>&1 &
run=$!
sleep "${AT:-15}"
pid=$(pgrep -f "$(basename "$bin") serve --addr 127.0.0.1:18702" | head -1)
appends() {
  curl -s http://127.0.0.1:18792/metrics | awk '/^openchat_store_operation_duration_seconds_count\{op="AppendMessage"/ {s += $NF} END {print s + 0}'
}
a0=$(appends)
timeout -s INT 4 strace -c -f -p "$pid" -o "$out" >/dev/null 2>&1
n=$(($(appends) - a0))
wait "$run"
echo "$(basename "$bin") $store ${SCEN:-ingest} $(date -u +%H:%M:%S) appends=$n"
awk -v n="$n" '$NF ~ /^[a-z_0-9]+$/ && $4 ~ /^[0-9]+$/ && n > 0 {printf "  %-14s %8d calls  %.2f per append\n", $NF, $4, $4 / n}' "$out" | sort -k2 -nr | head -8
rm -f "$out" "$out.line"

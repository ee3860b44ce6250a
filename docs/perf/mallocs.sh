#!/bin/bash
# Heap allocations and GC cycles per stored message: mallocs.sh BIN [SCEN] (docs/performance.md).
# Runs scenario.sh BIN pg (SCEN as there, default fanout; DUR=30s) and, inside its measured phase
# (from AT seconds, default 18, for 15 s), reads the server's /metrics twice: the Go runtime's
# go_memstats_mallocs_total and go_gc_duration_seconds_count against the store's count of
# AppendMessage calls. Exact counts, unlike a sampled allocation profile (one sample per 512 KiB,
# so a small object's count there moves in steps of about 30,000). Needs what scenario.sh needs,
# and a build with --metrics-addr (scenario.sh gives it 127.0.0.1:18792).
bin=$1; scen=${2:-fanout}
here=$(dirname "$(readlink -f "$0")")
snap() {
  curl -s http://127.0.0.1:18792/metrics | awk '/^go_memstats_mallocs_total /{a=$2}
    /^go_gc_duration_seconds_count /{g=$2}
    /^openchat_store_operation_duration_seconds_count\{op="AppendMessage"/{n=$2}
    END{printf "%d %d %d\n", a, g, n}'
}
tmp=$(mktemp -d)
( sleep "${AT:-18}"; snap >"$tmp/1"; sleep 15; snap >"$tmp/2" ) &
DUR=30s SCEN=$scen "$here/scenario.sh" "$bin" pg
wait
read -r a1 g1 n1 <"$tmp/1"; read -r a2 g2 n2 <"$tmp/2"
rm -rf "$tmp"
[ $((n2 - n1)) -gt 0 ] || { echo "no appends between the two reads" >&2; exit 1; }
echo "$(basename "$bin") $scen mallocs/message=$(((a2 - a1) / (n2 - n1))) gc_cycles=$((g2 - g1)) appends=$((n2 - n1)) (15 s)"

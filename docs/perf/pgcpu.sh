#!/bin/bash
# PostgreSQL's CPU during load runs (docs/performance.md, "the first round against main on a
# quieter boot"): pgcpu.sh SCEN STORE BIN... runs scenario.sh once per binary named and prints
# its p50, p99, server CPU and the CPU of all PostgreSQL processes over the run, in % of one
# core (utime+stime from /proc, the postmaster's reaped children included: the server's
# connections end with it). Run it where scenario.sh runs (openchat-bench in the directory).
scen=$1; store=$2; shift 2
here=$(dirname "$(readlink -f "$0")")
ticks() {
  local t=0 p f
  for p in $(pgrep -x postgres); do
    read -r -a f <"/proc/$p/stat" 2>/dev/null && t=$((t + f[13] + f[14] + f[15] + f[16]))
  done
  echo "$t"
}
for b in "$@"; do
  t0=$(ticks); s0=$(date +%s.%N)
  line=$(SCEN=$scen DUR=${DUR:-20s} "$here/scenario.sh" "./$b" "$store" 2>&1 | tail -1)
  t1=$(ticks); s1=$(date +%s.%N)
  pg=$(echo "($t1 - $t0) / $(getconf CLK_TCK) / ($s1 - $s0) * 100" | bc -l)
  printf '%s pg_cpu=%.1f%%\n' "$(echo "$line" | grep -o '^[^ ]* [^ ]* [^ ]* [^ ]*\|p50=[^ ]*\|p99=[^ ]*\|acked/s=[^ ]*\|server_cpu=[^ ]*' | tr '\n' ' ')" "$pg"
done

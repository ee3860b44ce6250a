#!/bin/bash
# Old against new in one run (docs/performance.md, "Round two, last pass"): three rounds, the
# order of the binaries rotated each round, every scenario of scenario.sh. BINS: the binaries
# in $PERF_DIR (default /tmp/perf18), e.g. "openchat-old openchat". Prints one line per run.
set -u
here=$(dirname "$(readlink -f "$0")") # before the cd: $0 may be relative
cd "${PERF_DIR:-/tmp/perf18}" || exit 1
read -ra bins <<<"${BINS:-openchat-old openchat}"
for r in 0 1 2; do
  order=("${bins[@]:r%${#bins[@]}}" "${bins[@]:0:r%${#bins[@]}}")
  for s in "fanout sqlite" "fanout pg" "one sqlite" "ingest pg"; do
    set -- $s
    for b in "${order[@]}"; do SCEN=$1 "$here/scenario.sh" "./$b" "$2"; done
  done
done
